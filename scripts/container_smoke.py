#!/usr/bin/env python3
"""Drive a running sandbox the way a merchant would, and fail loudly on any surprise.

Used by scripts/check-container.sh against the container image, but it works against any
running sandbox:

    python3 scripts/container_smoke.py --url http://127.0.0.1:8080

Standard library only, so it runs with the host's python3 before any virtualenv exists.
Checks, in order: health; (with --scenarios-path) the scenarios the sandbox loaded; a
badly signed disbursement is refused; a signed disbursement is accepted (code 0000, status
0015); its callback reaches a local receiver with a valid sign and the sandbox counts the
receiver's OK as the acknowledgement; GET /_sandbox/requests lists the call.
CHECK_CALLBACK=0 skips the callback and journal checks (only meant for while those features
are being written).

The receiver listens on 127.0.0.1, so the sandbox must share this machine's network
(buildah's chroot isolation, docker --network host), or pass --callback-host.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

CALLBACK_FIELDS = ("platFormTradeNo", "tradeNo", "amount", "status", "message", "timestamp")


class CheckFailed(Exception):
    pass


def ok(message: str) -> None:
    print(f"  ok: {message}", flush=True)


def require(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def sign(body: dict[str, Any], secret: str) -> str:
    """The gateway's MD5 sign: sorted non-empty key=value pairs, then the secret."""
    base = "".join(
        f"{key}={value}"
        for key, value in sorted(body.items())
        if key != "sign" and value is not None and value != ""
    )
    return hashlib.md5((base + secret).encode("utf-8")).hexdigest()


def call(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
    except (urllib.error.URLError, OSError) as exc:
        raise CheckFailed(f"{method} {url}: {exc}") from None


def json_of(raw: bytes, what: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise CheckFailed(f"{what} is not JSON: {raw[:300]!r}") from None


class Receiver:
    """A merchant's notify endpoint: records every POST and answers 200 ``OK``."""

    def __init__(self, host: str) -> None:
        self.calls: list[tuple[str, dict[str, str], bytes]] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                answer = b"OK"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                with receiver.arrived:
                    receiver.calls.append((self.path, dict(self.headers), raw))
                    receiver.arrived.notify_all()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, timeout: float) -> tuple[str, dict[str, str], bytes] | None:
        with self.arrived:
            self.arrived.wait_for(lambda: self.calls, timeout=timeout)
            return self.calls[0] if self.calls else None


def check_health(url: str) -> None:
    status, _, raw = call("GET", f"{url}/_sandbox/health")
    require(status == 200, f"health answered HTTP {status}: {raw[:300]!r}")
    body = json_of(raw, "the health answer")
    require(body.get("status") == "ok", f"health says {body!r}")
    ok(f"health: {body}")


def disbursement_body(trade_no: str, notify_url: str) -> dict[str, str]:
    return {
        "tradeNo": trade_no,
        "amount": "100",
        "accountNo": "880123456789012345",
        "mobile": "0912345678",
        "email": "smoke@example.com",
        "firstname": "Smoke",
        "lastname": "Test",
        "notifyUrl": notify_url,
        "timestamp": str(int(time.time() * 1000)),
    }


def check_bad_sign_refused(url: str, merchant: str, notify_url: str) -> None:
    body = disbursement_body("smoke-badsign-" + uuid.uuid4().hex[:12], notify_url)
    body["sign"] = "0" * 32
    status, _, raw = call("POST", f"{url}/v1/vexora/disbursements", body, {"merchantNo": merchant})
    answer = json_of(raw, f"the disbursement answer (HTTP {status})")
    require(
        answer.get("code") not in (None, "0000"),
        f"a disbursement with a wrong sign was accepted: {answer!r}",
    )
    ok(f"a wrong sign is refused: code {answer.get('code')}, msg {answer.get('msg')!r}")


def check_disbursement(
    url: str, merchant: str, secret: str, trade_no: str, notify_url: str
) -> dict[str, Any]:
    body = disbursement_body(trade_no, notify_url)
    body["sign"] = sign(body, secret)
    status, _, raw = call("POST", f"{url}/v1/vexora/disbursements", body, {"merchantNo": merchant})
    answer = json_of(raw, f"the disbursement answer (HTTP {status})")
    require(status == 200, f"disbursement answered HTTP {status}: {answer!r}")
    require(answer.get("code") == "0000", f"disbursement not accepted: {answer!r}")
    data = answer.get("data") or {}
    require(data.get("status") == "0015", f"disbursement status is not 0015: {answer!r}")
    require(data.get("tradeNo") == trade_no, f"the answer names another tradeNo: {answer!r}")
    require(data.get("platFormTradeNo"), f"the answer has no platFormTradeNo: {answer!r}")
    ok(
        f"signed disbursement accepted: code 0000, status 0015, "
        f"platFormTradeNo {data['platFormTradeNo']}"
    )
    return dict(data)


def check_callback(
    receiver: Receiver, secret: str, trade_no: str, accepted: dict[str, Any], timeout: float
) -> None:
    arrived = receiver.wait(timeout)
    require(arrived is not None, f"no callback reached the notifyUrl within {timeout:g}s")
    assert arrived is not None
    path, headers, raw = arrived
    content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    require(
        content_type.startswith("application/json"),
        f"the callback's Content-Type is {content_type!r}, not application/json",
    )
    callback = json_of(raw, "the callback body")
    require(isinstance(callback, dict), f"the callback body is not a JSON object: {raw!r}")
    missing = [name for name in (*CALLBACK_FIELDS, "sign") if name not in callback]
    require(not missing, f"the callback lacks {', '.join(missing)}: {callback!r}")
    not_text = [name for name, value in callback.items() if not isinstance(value, str)]
    require(not not_text, f"callback values must be strings; not: {not_text}: {callback!r}")
    expected = sign(callback, secret)
    require(
        callback["sign"].lower() == expected,
        f"the callback sign {callback['sign']} is wrong (expected {expected}): {callback!r}",
    )
    require(callback["tradeNo"] == trade_no, f"the callback names another order: {callback!r}")
    require(
        callback["platFormTradeNo"] == accepted["platFormTradeNo"],
        f"the callback's platFormTradeNo differs from the answer's: {callback!r}",
    )
    try:
        amount = Decimal(callback["amount"])
    except InvalidOperation:
        amount = None
    require(amount == Decimal("100"), f"the callback amount is not 100: {callback!r}")
    require(callback["status"] != "0015", f"the callback reports a non-final status: {callback!r}")
    extra = receiver.calls[1:]
    ok(
        f"callback to {path} verified: status {callback['status']} "
        f"({callback['message']!r}), sign ok"
        + (f"; {len(extra)} more callback(s) arrived" if extra else "")
    )


def admin_get(url: str, path: str, admin_token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    status, _, raw = call("GET", f"{url}{path}", headers=headers)
    require(status == 200, f"GET {path} answered HTTP {status}: {raw[:300]!r}")
    return json_of(raw, f"the answer of GET {path}")


def check_acknowledged(url: str, trade_no: str, admin_token: str | None) -> None:
    # The receiver answered OK; the sandbox must have counted that as the acknowledgement.
    deadline = time.monotonic() + 5
    while True:
        found = admin_get(url, f"/_sandbox/callbacks?tradeNo={trade_no}", admin_token)
        deliveries = found.get("callbacks") or []
        if any(d.get("acknowledged") for d in deliveries) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    require(
        any(d.get("acknowledged") for d in deliveries),
        f"/_sandbox/callbacks shows no acknowledged callback for {trade_no}: {deliveries!r}",
    )
    ok("/_sandbox/callbacks shows the callback acknowledged by the OK answer")


def check_journal(url: str, trade_no: str, admin_token: str | None) -> None:
    journal = admin_get(url, f"/_sandbox/requests?tradeNo={trade_no}", admin_token)
    entries = journal.get("requests") if isinstance(journal, dict) else None
    require(isinstance(entries, list), f"/_sandbox/requests has no 'requests' list: {journal!r}")
    assert isinstance(entries, list)
    ours = [
        e
        for e in entries
        if (e.get("body") or {}).get("tradeNo") == trade_no and e.get("endpoint") == "disbursements"
    ]
    require(ours, f"/_sandbox/requests does not list the disbursement {trade_no}: {entries!r}")
    ok(f"/_sandbox/requests lists the disbursement {trade_no}")


def check_scenarios(url: str, path: str, local_dir: str, admin_token: str | None) -> None:
    """The sandbox serves the scenarios at ``path``, the same files as ``local_dir``."""
    found = admin_get(url, "/_sandbox/scenarios", admin_token)
    # The admin API names the scenario root by its last part only (it never shows the
    # server's file system); the start-up line shows the whole path.
    name = os.path.basename(path.rstrip("/"))
    require(found.get("path") == name, f"scenarios come from {found.get('path')!r}, not {name!r}")
    require(not found.get("lastError"), f"the scenarios have an error: {found.get('lastError')}")
    served = sorted(os.path.basename(f) for f in found.get("files") or [])
    local = sorted(
        f for f in os.listdir(local_dir) if f.endswith((".yaml", ".yml")) and not f.startswith(".")
    )
    require(served == local, f"the sandbox serves scenario files {served}, {local_dir} has {local}")
    count = len(found.get("scenarios") or [])
    require(count > 0 or not local, f"{len(local)} scenario file(s) but no scenario loaded")
    ok(f"{count} scenarios loaded from {path} ({', '.join(served) or 'no files'})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="the sandbox's base URL")
    parser.add_argument("--merchant", default="0000000001", help="merchantNo header")
    parser.add_argument("--secret", default="sandbox-secret", help="the merchant's secret")
    parser.add_argument(
        "--callback-host",
        default="127.0.0.1",
        help="address the callback receiver listens on and the notifyUrl names",
    )
    parser.add_argument(
        "--callback-timeout", type=float, default=15.0, help="seconds to wait for the callback"
    )
    parser.add_argument(
        "--scenarios-path",
        help="check that the sandbox loaded its scenarios from this path (its own filesystem)",
    )
    parser.add_argument(
        "--scenarios-dir",
        default="scenarios",
        help="local directory holding the same scenario files (with --scenarios-path)",
    )
    parser.add_argument(
        "--admin-token",
        default=os.environ.get("VEXORA_SANDBOX_ADMIN_TOKEN") or None,
        help="bearer token for /_sandbox/ routes (default: $VEXORA_SANDBOX_ADMIN_TOKEN)",
    )
    args = parser.parse_args(argv)
    url = args.url.rstrip("/")
    check_callbacks = os.environ.get("CHECK_CALLBACK", "1") != "0"
    trade_no = "smoke-" + uuid.uuid4().hex[:20]
    print(f"smoke check of {url}", flush=True)
    try:
        with Receiver(args.callback_host) as receiver:
            notify_url = f"http://{args.callback_host}:{receiver.port}/vexora/notify"
            check_health(url)
            if args.scenarios_path:
                check_scenarios(url, args.scenarios_path, args.scenarios_dir, args.admin_token)
            check_bad_sign_refused(url, args.merchant, notify_url)
            accepted = check_disbursement(url, args.merchant, args.secret, trade_no, notify_url)
            if check_callbacks:
                check_callback(receiver, args.secret, trade_no, accepted, args.callback_timeout)
                check_acknowledged(url, trade_no, args.admin_token)
                check_journal(url, trade_no, args.admin_token)
            else:
                print(
                    "  SKIPPED: callback and /_sandbox/requests checks (CHECK_CALLBACK=0)",
                    flush=True,
                )
    except CheckFailed as exc:
        print(f"  FAIL: {exc}", file=sys.stderr, flush=True)
        return 1
    print("smoke check passed" + ("" if check_callbacks else " (with skips)"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
