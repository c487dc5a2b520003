"""The ``vexora-sandbox`` command: subcommands that call plain functions."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from vexora_sandbox._version import __version__
from vexora_sandbox.errors import ConfigError, GatewayError

if TYPE_CHECKING:
    import random

    from vexora_sandbox.protocol.jsonbody import Body
    from vexora_sandbox.protocol.rules import EndpointRules, FieldRule
    from vexora_sandbox.testing import AdminClient

EXIT_USAGE = 2


class HelpFormatter(argparse.HelpFormatter):
    """Descriptions wrapped to the terminal; the epilog's examples kept one per line."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("example"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _serve_parser(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="start the sandbox",
        description=(
            "Start the sandbox. Every flag has an environment variable of the same meaning "
            "(VEXORA_SANDBOX_<NAME>); flags win over the environment, the environment over "
            "the config file."
        ),
        epilog="example: vexora-sandbox serve --port 0 --seed 42",
        formatter_class=HelpFormatter,
    )
    p.add_argument("--host", help="address to listen on (VEXORA_SANDBOX_HOST; default 127.0.0.1)")
    p.add_argument("--port", help="port, 0 for a free one (VEXORA_SANDBOX_PORT; default 8080)")
    p.add_argument("--config", metavar="FILE", help="YAML config file (VEXORA_SANDBOX_CONFIG)")
    p.add_argument("--seed", help="make platform order numbers reproducible (VEXORA_SANDBOX_SEED)")
    p.add_argument(
        "--validation",
        choices=["strict", "lenient"],
        help="field rules: strict, or presence and types only (VEXORA_SANDBOX_VALIDATION)",
    )
    p.add_argument(
        "--scenarios",
        metavar="PATH",
        help="scenario file or directory (VEXORA_SANDBOX_SCENARIOS; default: the shipped set)",
    )
    p.add_argument(
        "--watch",
        action="store_true",
        default=None,
        help="reload the scenarios when a file changes (VEXORA_SANDBOX_WATCH)",
    )
    p.add_argument(
        "--time-scale",
        metavar="X",
        help="multiply every callback delay and retry interval: 0.001 runs the gateway's "
        "10-hour retry schedule in 36 s (VEXORA_SANDBOX_TIME_SCALE; default 1)",
    )
    p.add_argument(
        "--clock",
        choices=["system", "manual"],
        help="manual: business time moves only by POST /_sandbox/clock/advance "
        "(VEXORA_SANDBOX_CLOCK)",
    )
    p.add_argument(
        "--admin-token",
        metavar="T",
        help="require 'Authorization: Bearer T' on /_sandbox/ routes except health "
        "(VEXORA_SANDBOX_ADMIN_TOKEN)",
    )
    p.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        help="log level (VEXORA_SANDBOX_LOG_LEVEL; default info)",
    )
    p.set_defaults(func=cmd_serve)


def _flags(args: argparse.Namespace, names: Sequence[str]) -> dict[str, Any]:
    return {name: getattr(args, name, None) for name in names}


SERVE_FLAGS = (
    "host",
    "port",
    "config",
    "seed",
    "validation",
    "scenarios",
    "watch",
    "time_scale",
    "clock",
    "admin_token",
    "log_level",
)


def cmd_serve(args: argparse.Namespace) -> int:
    from vexora_sandbox import keys
    from vexora_sandbox.app import create_app
    from vexora_sandbox.config import load_config
    from vexora_sandbox.server import Listening, serve_until_signal

    flags = _flags(args, SERVE_FLAGS)
    config = load_config(flags, os.environ)
    logging.basicConfig(
        level=config.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    app = create_app(config)

    def ready(listening: Listening) -> None:
        print(f"vexora-sandbox {__version__} serving on {listening.url}", flush=True)
        for merchant in config.merchants:
            print(
                f"  merchantNo {merchant.merchant_no}  secret {merchant.secret}  "
                f"area {merchant.area}",
                flush=True,
            )
        registry = app[keys.SCENARIOS]
        print(f"  payouts: POST {listening.url}/v1/vexora/disbursements", flush=True)
        print(
            f"  scenarios: {len(registry.current.scenarios)} from {registry.path}"
            + (" (watching)" if config.watch else ""),
            flush=True,
        )
        if config.time_scale != 1:
            print(f"  time scale: {config.time_scale:g}", flush=True)
        print(f"  health:  GET  {listening.url}/_sandbox/health", flush=True)

    asyncio.run(serve_until_signal(app, config.host, config.port, ready))
    return 0


def _check_parser(sub: Any) -> None:
    p = sub.add_parser(
        "check",
        help="validate scenario files",
        description="Load scenario files strictly and report every problem with its file, "
        "line and key path. Exit code 0 when valid, 2 otherwise.",
        epilog="example: vexora-sandbox check scenarios/",
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "path", nargs="?", help="a scenario file or directory (default: the shipped set)"
    )
    p.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    from vexora_sandbox.scenarios.loader import load_scenarios
    from vexora_sandbox.scenarios.registry import shipped_scenarios

    path = args.path or str(shipped_scenarios())
    try:
        loaded = load_scenarios(path)
    except ConfigError as exc:
        problems = sorted(exc.problems, key=lambda p: (p.source, p.line or 0))
        print(f"{path}: {_count(len(problems), 'problem')}:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_USAGE
    files = _count(len(loaded.files), "file")
    print(f"{path}: {_count(len(loaded.scenarios), 'scenario')} in {files}, all valid")
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# --- sign, verify ----------------------------------------------------------------------


def _read_body(source: str | None) -> Body:
    """A JSON body from a file or stdin, numbers kept as their literal text for the sign."""
    from vexora_sandbox.protocol.jsonbody import parse_body

    if source in (None, "-"):
        raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        name = "stdin"
    else:
        try:
            raw = Path(source).read_bytes()
        except OSError as exc:
            raise _UsageError(f"cannot read {source}: {exc.strerror or exc}") from None
        name = source
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    try:
        return parse_body(data)
    except GatewayError as exc:
        raise _UsageError(f"{name}: {exc.msg}") from None


class _UsageError(Exception):
    """A mistake in a command's input: printed without a traceback, exit code 2."""


def _dump_body(body: Mapping[str, Any]) -> str:
    """JSON with every number written exactly as it was read (``100.50`` stays ``100.50``)."""
    from vexora_sandbox.protocol.jsonbody import JsonNumber

    def value(v: Any) -> str:
        return str(v) if isinstance(v, JsonNumber) else json.dumps(v, ensure_ascii=False)

    items = ",\n".join(
        f"  {json.dumps(k, ensure_ascii=False)}: {value(v)}" for k, v in body.items()
    )
    return "{\n" + items + "\n}"


def _sign_parser(sub: Any) -> None:
    p = sub.add_parser(
        "sign",
        help="print the canonical string and the sign of a JSON body",
        description="Sign a JSON request (or callback) body the way the gateway does: every "
        "non-empty field but sign, sorted by name, as name=value, then the secret, MD5. "
        "Prints the canonical string (without the secret) and the sign; numbers are signed "
        "exactly as written in the file.",
        epilog="example: vexora-sandbox sign --secret sandbox-secret body.json\n"
        '         echo \'{"timestamp":"1724151084278"}\' | '
        "vexora-sandbox sign --secret test_secret_123 -\n"
        "         vexora-sandbox sign --secret sandbox-secret --body body.json > signed.json",
        formatter_class=HelpFormatter,
    )
    p.add_argument("file", nargs="?", metavar="FILE|-", help="the JSON body (default: stdin)")
    p.add_argument("--secret", required=True, help="the merchant's secret")
    p.add_argument(
        "--body", action="store_true", help="print the body with its sign set instead, as JSON"
    )
    p.set_defaults(func=cmd_sign)


def cmd_sign(args: argparse.Namespace) -> int:
    from vexora_sandbox.protocol import signing

    body = _read_body(args.file)
    sign = signing.sign(body, args.secret)
    if args.body:
        print(_dump_body({**body, signing.SIGN_FIELD: sign}))
        return 0
    print(f"canonical: {signing.canonical_string(body)}")
    print(f"sign:      {sign}")
    return 0


def _verify_parser(sub: Any) -> None:
    p = sub.add_parser(
        "verify",
        help="check the sign of a JSON body (exit 0 valid, 1 invalid)",
        description="Check the sign field of a JSON request or callback body against the "
        "secret. Exit code 0 when it is valid, 1 when it is not (printing the expected and "
        "the given sign and the canonical string), 2 when the input is unreadable.",
        epilog="example: vexora-sandbox verify --secret sandbox-secret callback.json",
        formatter_class=HelpFormatter,
    )
    p.add_argument("file", nargs="?", metavar="FILE|-", help="the JSON body (default: stdin)")
    p.add_argument("--secret", required=True, help="the merchant's secret")
    p.set_defaults(func=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    from vexora_sandbox.protocol import signing

    body = _read_body(args.file)
    expected = signing.sign(body, args.secret)
    given = body.get(signing.SIGN_FIELD)
    if signing.verify(body, args.secret):
        print(f"valid: sign {given} matches")
        return 0
    print("invalid: the sign does not match this body and secret")
    print(f"  expected:  {expected}")
    print(f"  given:     {'(none)' if given in (None, '') else given}")
    print(f"  canonical: {signing.canonical_string(body)}")
    return 1


# --- send-callback ---------------------------------------------------------------------


def _send_callback_parser(sub: Any) -> None:
    p = sub.add_parser(
        "send-callback",
        help="sign a callback and POST it to a merchant's handler",
        description="Build a callback exactly as the sandbox does (every value a string, "
        "signed with the secret), POST it to the merchant's notify URL and print the answer. "
        "It counts as acknowledged only for HTTP 200 with the body OK. Exit code 0 when "
        "acknowledged, 1 otherwise.",
        epilog="example: vexora-sandbox send-callback --url http://127.0.0.1:9000/notify "
        "--secret sandbox-secret --trade-no T20261124000001 --status 0000 --amount 250",
        formatter_class=HelpFormatter,
    )
    p.add_argument("--url", required=True, help="the merchant's callback URL (notifyUrl)")
    p.add_argument("--secret", required=True, help="the merchant's secret")
    p.add_argument("--trade-no", required=True, help="the merchant's order number (tradeNo)")
    p.add_argument("--status", required=True, help="the status to report, e.g. 0000 or 00029")
    p.add_argument("--amount", default="100", help="the amount (default 100)")
    p.add_argument("--message", help="the message (default: the status's usual one)")
    p.add_argument(
        "--platform-trade-no", help="the gateway's order number (default: a generated one)"
    )
    p.add_argument("--remark", help="the order's remark, echoed in the callback")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait (default 10)")
    p.set_defaults(func=cmd_send_callback)


def callback_for(args: argparse.Namespace, now: float) -> dict[str, str]:
    """The signed callback body the flags describe, built by the dispatcher's builder."""
    from decimal import Decimal

    from vexora_sandbox.callbacks.dispatcher import callback_body
    from vexora_sandbox.domain.clock import IdFactory
    from vexora_sandbox.domain.orders import Order, OrderKind, default_message, is_success
    from vexora_sandbox.protocol import signing

    order = Order(
        merchant_no="",
        trade_no=args.trade_no,
        platform_trade_no=args.platform_trade_no or IdFactory().platform_trade_no(),
        kind=OrderKind.PAYOUT,
        endpoint="disbursements",
        area="default",
        amount=args.amount,
        amount_value=Decimal(0),
        notify_url=args.url,
        remark=args.remark or "",
        created_at=now,
        success_time=now if is_success(args.status) else None,
    )
    message = args.message or default_message(args.status)
    body = callback_body(order, args.status, message, now, args.amount)
    body[signing.SIGN_FIELD] = signing.sign(body, args.secret)
    return body


def cmd_send_callback(args: argparse.Namespace) -> int:
    import time
    import urllib.error
    import urllib.request

    from vexora_sandbox.config import SandboxConfig

    body = callback_for(args, time.time())
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    print(f"POST {args.url}")
    print(payload.decode("utf-8"))
    request = urllib.request.Request(
        args.url, data=payload, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as response:
            status, raw = response.status, response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read(64 * 1024)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        print(f"no answer: {reason}")
        print("acknowledged: no (the gateway would retry)")
        return 1
    text = raw.decode("utf-8", "replace")
    print(f"answer: HTTP {status} {text!r}")
    if status == 200 and text in SandboxConfig().callback_ack:
        print("acknowledged: yes")
        return 0
    print('acknowledged: no (only HTTP 200 with the body "OK" is; the gateway would retry)')
    return 1


# --- example ---------------------------------------------------------------------------

# Local, so that a sandbox's callbacks never leave the machine; https where an area demands
# it (japan).
DEFAULT_NOTIFY_URL = "http://127.0.0.1:9000/notify"
_GIVEN_NAMES = {"firstname", "firstName", "first_name"}
_FAMILY_NAMES = {"lastname", "lastName", "last_name"}
_FULL_NAMES = {"name", "customerName", "accountName", "payerName", "realName", "userName"}


def _example_parser(sub: Any) -> None:
    p = sub.add_parser(
        "example",
        help="print a valid, signed request body with realistic fake data",
        description="Print a request body for an area's endpoint that passes every strict "
        "field rule, signed with the secret. Values come from the area file's examples; "
        "names and emails from Faker in the area's locale. The same --seed gives the same "
        "body (the timestamp is the current time unless --timestamp is given). Needs the "
        "'examples' extra: pip install 'vexora-sandbox[examples]'.",
        epilog="example: vexora-sandbox example --area indonesia --seed 7 | curl -s "
        "http://127.0.0.1:8080/indonesia/v1/vexora/disbursements -H 'merchantNo: 0000000001' "
        "-H 'Content-Type: application/json' -d @-",
        formatter_class=HelpFormatter,
    )
    p.add_argument("--area", default="default", help="the area (default: default)")
    p.add_argument(
        "--endpoint", default="disbursements", help="the endpoint (default: disbursements)"
    )
    p.add_argument("--seed", type=int, help="make the body reproducible")
    p.add_argument("--secret", default="sandbox-secret", help="sign with this secret")
    p.add_argument("--timestamp", help="the timestamp, in epoch ms (default: now)")
    p.add_argument(
        "--notify-url", default=DEFAULT_NOTIFY_URL, help="the notifyUrl (default: %(default)s)"
    )
    p.set_defaults(func=cmd_example)


def cmd_example(args: argparse.Namespace) -> int:
    from vexora_sandbox.protocol.rules import load_areas

    areas = {k: v for k, v in load_areas().items() if not k.startswith("_")}
    area = areas.get(args.area)
    if area is None:
        raise _UsageError(f"unknown area {args.area!r}; known areas: {', '.join(sorted(areas))}")
    rules = area.rules_for(args.endpoint)
    if rules is None:
        offered = ", ".join(e for e in area.endpoints if e != "*")
        raise _UsageError(f"the {area.name} area has no endpoint {args.endpoint!r}: {offered}")
    body = example_body(
        rules,
        locale=area.locale,
        seed=args.seed,
        secret=args.secret,
        timestamp=args.timestamp,
        notify_url=args.notify_url,
    )
    print(json.dumps(body, ensure_ascii=False, indent=2))
    return 0


def _faker(locale: str, seed: int | None) -> Any:
    try:
        from faker import Faker  # only here: serving never imports Faker
    except ImportError:
        raise _UsageError("example needs Faker: pip install 'vexora-sandbox[examples]'") from None

    try:
        fake = Faker(locale)
    except AttributeError:  # a locale Faker does not have
        fake = Faker("en_US")
    if seed is not None:
        fake.seed_instance(seed)
    return fake


def example_body(
    rules: EndpointRules,
    *,
    locale: str = "en_US",
    seed: int | None = None,
    secret: str = "sandbox-secret",
    timestamp: str | None = None,
    notify_url: str = DEFAULT_NOTIFY_URL,
) -> dict[str, str]:
    """A signed body for ``rules`` that passes them strictly; RuntimeError if none can be.

    Every value is a string. A field takes its area file ``example`` when it has one;
    names, emails and remarks come from Faker; amounts respect min, max and decimals.
    """
    import random
    import time

    from vexora_sandbox.protocol import signing

    fake = _faker(locale, seed)
    rng = random.Random(seed)
    stamp = timestamp or str(int(time.time() * 1000))
    body: dict[str, str] = {}
    for rule in rules.fields:
        if rule.name == "timestamp" or rule.type == "timestamp":
            continue
        candidates = [_fake_value(rule, fake, rng, notify_url)]
        if rule.example is not None:
            candidates.append(rule.example)
        value = next(
            (
                c
                for c in candidates
                if c is not None and rule.check({rule.name: c}, "strict") is None
            ),
            None,
        )
        if value is None:
            if rule.required:
                raise RuntimeError(
                    f"no valid example for {rule.name} of {rules.endpoint}: "
                    "give it an 'example:' in the area file"
                )
            continue
        body[rule.name] = value
    if rules.field("timestamp") is not None:
        body["timestamp"] = stamp
    errors = rules.errors(dict(body), "strict")
    if errors:
        raise RuntimeError(f"the example for {rules.endpoint} breaks its rules: {errors}")
    body[signing.SIGN_FIELD] = signing.sign(body, secret)
    return body


def _fake_value(rule: FieldRule, fake: Any, rng: random.Random, notify_url: str) -> str | None:
    """A realistic value for a field that has no fixed example, or None to use the example."""
    name = rule.name
    if name == "tradeNo":
        digits = "".join(rng.choices("0123456789", k=15))
        return ("T" + digits)[: rule.max_length or 32]
    if rule.type == "amount":
        return _amount(rule, rng)
    if rule.type == "email":
        return str(fake.email(safe=True))
    if rule.type == "url":
        url = notify_url if name == "notifyUrl" else f"http://127.0.0.1:9000/{name}"
        return "https" + url[4:] if rule.https_only and url.startswith("http:") else url
    if rule.example is not None:
        return rule.example
    if rule.values:
        return rng.choice(rule.values)
    if name in _GIVEN_NAMES:
        return str(fake.first_name())
    if name in _FAMILY_NAMES:
        return str(fake.last_name())
    if name in _FULL_NAMES:
        return f"{fake.first_name()} {fake.last_name()}"
    if name.lower() == "username":
        return str(fake.user_name())
    if name == "remark":
        return f"order-{rng.randrange(10**5):05d}"
    return None


def _amount(rule: FieldRule, rng: random.Random) -> str:
    """A round amount from the minimum (at least 100) up, within the maximum."""
    from decimal import Decimal

    low = max(rule.min or Decimal(0), Decimal(100))
    if rule.max is not None:
        low = min(low, rule.max)
    value = (low * rng.choice((1, 2, 5, 10, 20, 50))).to_integral_value()
    if rule.max is not None:
        value = min(value, rule.max)
    if rule.decimals > 0:
        cents = value + Decimal(rng.choice((0, 25, 50, 99))) / 100
        if rule.max is None or cents <= rule.max:
            return f"{cents:.{min(rule.decimals, 2)}f}"
    return str(value)


# --- status, replay, force: a running sandbox's admin API --------------------------------

DEFAULT_URL = "http://127.0.0.1:8080"


def _admin_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--url",
        help=f"the sandbox's base URL (VEXORA_SANDBOX_URL; default {DEFAULT_URL})",
    )
    p.add_argument(
        "--admin-token",
        metavar="T",
        help="the sandbox's admin token, if it has one (VEXORA_SANDBOX_ADMIN_TOKEN)",
    )
    p.add_argument("--json", action="store_true", help="print the admin API's JSON answer")


def _admin_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "status",
        help="show a running sandbox's orders, or one order with its callbacks",
        description="Ask a running sandbox (GET /_sandbox/transactions) for its orders; "
        "with a tradeNo, that order's status history and every callback attempt.",
        epilog="example: vexora-sandbox status\n"
        "         vexora-sandbox status T20261124000001 --url http://127.0.0.1:8080",
        formatter_class=HelpFormatter,
    )
    p.add_argument("trade_no", nargs="?", metavar="TRADE_NO", help="one order's tradeNo")
    p.add_argument("--merchant-no", help="only this merchant's orders")
    _admin_options(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "replay",
        help="send a recorded callback again, byte for byte",
        description="Ask a running sandbox to send a callback it already sent again, the "
        "same bytes, as a new delivery (POST /_sandbox/callbacks/ID/replay). The ids are in "
        "`vexora-sandbox status TRADE_NO`.",
        epilog="example: vexora-sandbox replay 3",
        formatter_class=HelpFormatter,
    )
    p.add_argument("callback_id", metavar="ID", help="the callback's id")
    _admin_options(p)
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser(
        "force",
        help="force an order's status and send its callback",
        description="Ask a running sandbox to move an order to a status and send the "
        "callback for it at once (POST /_sandbox/transactions/TRADE_NO/status), e.g. a late "
        "reversal. A status the transitions table refuses (out of a final one) leaves the "
        "order as it is, but its callback is still sent.",
        epilog="example: vexora-sandbox force T20261124000001 00029 --message REJECTED_TRANSACTION",
        formatter_class=HelpFormatter,
    )
    p.add_argument("trade_no", metavar="TRADE_NO", help="the order's tradeNo")
    p.add_argument("status", metavar="STATUS", help="the new status, e.g. 0000 or 00029")
    p.add_argument("--message", help="the callback's message (default: the status's usual one)")
    p.add_argument("--amount", help="the callback's amount (a partial pay-in's real amount)")
    p.add_argument("--merchant-no", help="the merchant, when several have this tradeNo")
    _admin_options(p)
    p.set_defaults(func=cmd_force)


def _admin(args: argparse.Namespace) -> AdminClient:
    from vexora_sandbox.testing import AdminClient

    url = args.url or os.environ.get("VEXORA_SANDBOX_URL") or DEFAULT_URL
    token = args.admin_token or os.environ.get("VEXORA_SANDBOX_ADMIN_TOKEN") or None
    return AdminClient(url, token)


def _call_admin(admin: AdminClient, method: str, path: str, payload: Any = None, **kw: Any) -> Any:
    """An admin call; its error, or an unreachable sandbox, becomes a one-line message."""
    import urllib.error

    from vexora_sandbox.testing import SandboxError

    try:
        return admin.request(method, path, payload, **kw)
    except SandboxError as exc:
        raise _AdminFailure(f"the sandbox answered HTTP {exc.status}: {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise _AdminFailure(
            f"no sandbox answers at {admin.base_url} ({reason}); start one with "
            "`vexora-sandbox serve` or pass --url"
        ) from None


class _AdminFailure(Exception):
    """A running sandbox refused an admin call or could not be reached: exit code 1."""


def cmd_status(args: argparse.Namespace) -> int:
    admin = _admin(args)
    if args.trade_no:
        order = _call_admin(
            admin,
            "GET",
            f"transactions/{quote(args.trade_no, safe='')}",
            query={"merchantNo": args.merchant_no},
        )
        callbacks = _call_admin(
            admin,
            "GET",
            "callbacks",
            query={"tradeNo": args.trade_no, "merchantNo": order["merchantNo"]},
        )["callbacks"]
        if args.json:
            print(json.dumps({**order, "callbacks": callbacks}, ensure_ascii=False, indent=2))
            return 0
        _print_order(order, callbacks)
        return 0
    health = _call_admin(admin, "GET", "health")
    answer = _call_admin(admin, "GET", "transactions", query={"merchantNo": args.merchant_no})
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, indent=2))
        return 0
    orders = answer["transactions"]
    print(
        f"vexora-sandbox {health.get('version', '?')} at {admin.base_url}: {len(orders)} order(s)"
    )
    for o in orders:
        print(
            f"  {o['merchantNo']}  {o['tradeNo']:<24} {o['endpoint']:<14} {o['amount']:>12}  "
            f"{o['status']:<8} {o['message']}"
        )
    return 0


def _when(epoch_ms: int) -> str:
    from vexora_sandbox.domain.clock import gateway_time

    return gateway_time(epoch_ms / 1000) + " UTC"


def _print_order(order: dict[str, Any], callbacks: list[dict[str, Any]]) -> None:
    print(
        f"{order['tradeNo']} ({order['platFormTradeNo']}), merchant {order['merchantNo']}, "
        f"{order['endpoint']} {order['amount']}: {order['status']} {order['message']}"
    )
    for change in order["history"]:
        print(f"  status {change['status']} {change['message']} at {_when(change['at'])}")
    if not callbacks:
        print("  no callbacks")
    for cb in callbacks:
        state = (
            "acknowledged"
            if cb["acknowledged"]
            else "gave up"
            if cb["gaveUp"]
            else "cancelled"
            if cb["cancelled"]
            else "pending"
        )
        origin = cb["origin"] + (f" of {cb['replayOf']}" if cb.get("replayOf") else "")
        print(f"  callback {cb['id']}: status {cb['status']} ({origin}), {state}")
        for attempt in cb["attempts"]:
            answer = (
                attempt["error"]
                if attempt.get("error")
                else f"HTTP {attempt['responseStatus']} {attempt['responseBody']!r}"
            )
            print(f"    attempt {attempt['attempt']} at {_when(attempt['at'])}: {answer}")


def cmd_replay(args: argparse.Namespace) -> int:
    admin = _admin(args)
    answer = _call_admin(admin, "POST", f"callbacks/{quote(args.callback_id, safe='')}/replay")
    if args.json:
        print(json.dumps(answer, indent=2))
    else:
        print(f"callback {answer['replayOf']} is being sent again as callback {answer['callback']}")
    return 0


def cmd_force(args: argparse.Namespace) -> int:
    admin = _admin(args)
    payload = {
        "status": args.status,
        "message": args.message,
        "amount": args.amount,
        "merchantNo": args.merchant_no,
    }
    answer = _call_admin(
        admin,
        "POST",
        f"transactions/{quote(args.trade_no, safe='')}/status",
        {k: v for k, v in payload.items() if v is not None},
    )
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, indent=2))
        return 0
    order = answer["transaction"]
    applied = "applied" if answer["applied"] else "not applied: the order keeps its status"
    print(
        f"{order['tradeNo']}: {answer['previousStatus']} -> {args.status} ({applied}); "
        f"callback {answer['callback']} sent to {order['notifyUrl']}"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vexora-sandbox",
        description="A local, offline sandbox of the Vexora payment gateway's merchant API.",
        epilog="example: vexora-sandbox serve\n"
        "         vexora-sandbox example --area indonesia\n"
        "         vexora-sandbox status T20261124000001\n"
        "Each command's --help says more.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _serve_parser(sub)
    _check_parser(sub)
    _sign_parser(sub)
    _verify_parser(sub)
    _send_callback_parser(sub)
    _example_parser(sub)
    _admin_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        result: int = args.func(args)
    except _UsageError as exc:
        print(f"vexora-sandbox {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except _AdminFailure as exc:
        print(f"vexora-sandbox {args.command}: {exc}", file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(f"vexora-sandbox: configuration error:\n{_indent(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"vexora-sandbox: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return result


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
