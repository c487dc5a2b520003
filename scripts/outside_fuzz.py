"""Fuzz a running sandbox from outside, over HTTP on 127.0.0.1: every route, any input.

Sends ``--requests`` requests (default 20,000) with random methods, paths (the gateway's
endpoints with and without area prefixes, every admin route with hostile path values, the
payer's page, unknown URLs), headers (merchantNo, Content-Type, Content-Encoding) and
bodies (valid signed payouts, broken JSON, deep nesting, NaN and huge numbers, gzip bombs,
random bytes), at most ``--concurrency`` at a time. Checks what the docs promise:

* no answer is a 5xx from the sandbox's own code;
* every gateway route (``/v1/vexora/...``, ``/<area>/v1/vexora/...`` and any URL outside
  ``/_sandbox/``) answers the JSON envelope ``{msg, code, timestamp, success, data}``.

Answers that aiohttp's HTTP parser gives to malformed HTTP before the sandbox sees a
request are not produced here: the requests are well-formed HTTP with hostile contents.
Without ``--url`` it starts ``vexora-sandbox serve --port 0`` itself and stops it after.
Exit 1 when a check fails. Run: ``.venv/bin/python scripts/outside_fuzz.py [--requests N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import time
import zlib
from typing import Any

import aiohttp

MERCHANT_NO = "0000000001"
SECRET = "sandbox-secret"
ENDPOINTS = [
    "disbursements", "checkout", "deposits", "payinSubmit", "payInSubmit",
    "queryPayOutResult", "queryPayInResult", "queryBalance", "kycApplyFor", "nope",
]  # fmt: skip
AREAS = ["", "argentina", "default", "indonesia", "bangladesh", "korea", "nowhere", "%C2%B2"]
HOSTILE = ["1", "0", "-1", "%C2%B2", "%00", "%0A", "..%2F..", "x" * 300, "%F0%9F%92%A9", "'\"<>"]
ADMIN = [
    "health", "transactions", "transactions/{v}", "transactions/{v}/status", "requests",
    "callbacks", "callbacks/{v}", "callbacks/{v}/replay", "callbacks?wait=0.01",
    "callbacks?wait={v}", "clock", "clock/advance", "reset", "scenarios", "scenarios/reload",
    "settle", "metrics", "merchants", "merchants/{v}", "openapi.json", "requests/count",
    "ui", "ui/calls", "ui/orders", "ui/orders/{v}/{v}", "ui/balances", "ui/scenarios",
    "ui/actions/force", "ui/actions/reset", "ui/login", "pay/{v}/{v}", "{v}",
]  # fmt: skip
METHODS = ["POST"] * 6 + ["GET"] * 3 + ["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


def sign(body: dict[str, Any]) -> str:
    base = "".join(
        f"{k}={body[k]}" for k in sorted(body) if k != "sign" and body[k] not in (None, "")
    )
    return hashlib.md5((base + SECRET).encode()).hexdigest()


def payout(rng: random.Random) -> dict[str, Any]:
    body: dict[str, Any] = {
        "tradeNo": f"F{time.time_ns()}{rng.randrange(10**6)}",
        "amount": str(rng.choice([100, 250, 1000, 99999])),
        # Accounts never end in a scenario's magic suffix (99xxxx): no deliberate faults.
        "accountNo": f"8801234{rng.randrange(10**5):05d}123451",
        "mobile": "0912345678",
        "email": "a@example.com",
        "firstname": "Ana",
        "lastname": "García",
        "notifyUrl": "http://127.0.0.1:9/notify",
        "timestamp": str(int(time.time() * 1000)),
    }
    body["sign"] = sign(body)
    return body


def mutate(rng: random.Random, body: dict[str, Any]) -> bytes:
    choice = rng.randrange(12)
    if choice == 0:
        return json.dumps(body).encode()
    if choice == 1:
        key = rng.choice(list(body))
        body[key] = rng.choice([None, True, 1e308, -1, [], {}, "", "\u0000", "\ud800x", "9" * 400])
        return json.dumps(body, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    if choice == 2:
        return b"[" * rng.choice([10, 1000, 100000]) + b"]" * rng.choice([0, 10])
    if choice == 3:
        return json.dumps(body).encode()[: rng.randrange(1, 80)]
    if choice == 4:
        return rng.randbytes(rng.randrange(0, 2000))
    if choice == 5:
        return b'{"amount": NaN, "tradeNo": Infinity, "x": -Infinity}'
    if choice == 6:
        return b'{"a": 1, "a": 2}'
    if choice == 7:
        return b'{"tradeNo": "' + b"\xff\xfe" * 10 + b'"}'
    if choice == 8:
        return json.dumps({"seconds": rng.choice([float("nan"), 1e300, -5, "x", 10**400])}).encode()
    if choice == 9:
        return json.dumps({"status": rng.choice(["0000", "", 5, None]), "merchantNo": "x"}).encode()
    if choice == 10:
        return b"action=full&amount=" + str(rng.choice(["1", "-1", "1e9", "x"])).encode()
    return b""


def request(rng: random.Random) -> tuple[str, str, dict[str, str], bytes, bool]:
    """method, path, headers, body, and whether the gateway's envelope is expected."""
    headers: dict[str, str] = {}
    if rng.random() < 0.85:
        headers["merchantNo"] = rng.choice([MERCHANT_NO] * 8 + ["", "9999999999", "x" * 50])
    headers["Content-Type"] = rng.choice(
        ["application/json"] * 6 + ["text/plain", "application/x-www-form-urlencoded"]
    )
    body = mutate(rng, payout(rng))
    encoding = rng.choice([None] * 6 + ["gzip", "deflate", "br", "zstd", "bogus", "gzip"])
    if encoding == "gzip":
        body = gzip.compress(body if rng.random() < 0.8 else b"\0" * 5_000_000)
    elif encoding == "deflate":
        body = zlib.compress(body)
    if encoding:
        headers["Content-Encoding"] = encoding
    where = rng.random()
    if where < 0.55:
        area = rng.choice(AREAS)
        prefix = f"/{area}" if area else ""
        path = f"{prefix}/v1/vexora/{rng.choice(ENDPOINTS)}"
        gateway = True
    elif where < 0.9:
        route = rng.choice(ADMIN)
        path = "/_sandbox/" + route.replace("{v}", rng.choice(HOSTILE))
        gateway = False
    else:
        path = "/" + rng.choice(HOSTILE) + rng.choice(["", "/v1", "/v1/vexora", "/x/y/z"])
        gateway = True
    return rng.choice(METHODS), path, headers, body, gateway


def envelope(status: int, content_type: str, raw: bytes) -> bool:
    if "application/json" not in content_type:
        return False
    try:
        answer = json.loads(raw)
    except ValueError:
        return False
    return isinstance(answer, dict) and {"msg", "code", "timestamp", "success", "data"} <= set(
        answer
    )


async def run(url: str, total: int, concurrency: int, seed: int, seconds: float) -> int:
    rng = random.Random(seed)
    problems: list[str] = []
    counts: dict[int, int] = {}
    sent = 0
    deadline = time.monotonic() + seconds
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(timeout=timeout, auto_decompress=False) as session:

        async def one(
            method: str, path: str, headers: dict[str, str], body: bytes, gw: bool
        ) -> None:
            try:
                async with session.request(
                    method, url + path, headers=headers, data=body, allow_redirects=False
                ) as response:
                    raw = await response.read()
                    counts[response.status] = counts.get(response.status, 0) + 1
                    if response.status >= 500:
                        problems.append(f"{response.status} {method} {path}: {raw[:200]!r}")
                    elif (
                        gw
                        and method != "HEAD"
                        and not envelope(
                            response.status, response.headers.get("Content-Type", ""), raw
                        )
                    ):
                        problems.append(
                            f"not the envelope: {response.status} {method} {path}: {raw[:200]!r}"
                        )
            except (TimeoutError, aiohttp.ClientError) as exc:
                problems.append(f"no answer: {method} {path}: {type(exc).__name__} {exc}")

        pending: set[asyncio.Task[None]] = set()
        while sent < total and time.monotonic() < deadline:
            while len(pending) >= concurrency:
                _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            method, path, headers, body, gw = request(rng)
            pending.add(asyncio.create_task(one(method, path, headers, body, gw)))
            sent += 1
        if pending:
            await asyncio.wait(pending)
    print(f"{sent} requests; answers by HTTP status: {dict(sorted(counts.items()))}")
    for problem in problems[:30]:
        print("  " + re.sub(r"\s+", " ", problem))
    print(
        f"{len(problems)} problems"
        if problems
        else "0 problems: no 5xx, every gateway answer an envelope"
    )
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="a running sandbox (default: start one)")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=600.0, help="stop sending after this")
    args = parser.parse_args()
    if args.url:
        return asyncio.run(run(args.url, args.requests, args.concurrency, args.seed, args.seconds))
    exe = os.path.join(os.path.dirname(sys.executable), "vexora-sandbox")
    proc = subprocess.Popen(
        [exe, "serve", "--port", "0", "--quiet", "--time-scale", "0.001"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = ""
        for line in proc.stdout:
            found = re.search(r"http://127\.0\.0\.1:\d+", line)
            if found:
                url = found.group(0)
                break
        if not url:
            print("the sandbox did not start", file=sys.stderr)
            return 2
        return asyncio.run(run(url, args.requests, args.concurrency, args.seed, args.seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
