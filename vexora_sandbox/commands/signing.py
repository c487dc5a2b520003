"""``sign``, ``verify`` and ``send-callback``: the gateway's sign, offline or sent to a handler."""

from __future__ import annotations

import argparse
import json
from typing import Any

from vexora_sandbox.commands.common import (
    HelpFormatter,
    UsageError,
    check_url,
    dump_body,
    read_body,
    read_text,
)


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

    body = read_body(args.file)
    sign = signing.sign(body, args.secret)
    if args.body:
        print(dump_body({**body, signing.SIGN_FIELD: sign}))
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
        epilog="example: vexora-sandbox verify --secret sandbox-secret callback.json\n"
        "         vexora-sandbox verify --answer --secret sandbox-secret answer.json",
        formatter_class=HelpFormatter,
    )
    p.add_argument("file", nargs="?", metavar="FILE|-", help="the JSON body (default: stdin)")
    p.add_argument("--secret", required=True, help="the merchant's secret")
    p.add_argument(
        "--answer",
        action="store_true",
        help="the file is a gateway answer signed with the sign_answers setting "
        "(docs/protocol.md): its envelope and data fields are signed",
    )
    p.set_defaults(func=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    from vexora_sandbox.protocol import signing

    if args.answer:
        return _verify_answer(args)
    body = read_body(args.file)
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


def _verify_answer(args: argparse.Namespace) -> int:
    from vexora_sandbox.protocol import answer_sign
    from vexora_sandbox.protocol.jsonbody import JsonNumber

    raw = read_text(args.file)
    try:
        answer = json.loads(raw, parse_int=JsonNumber, parse_float=JsonNumber)
    except ValueError as exc:
        raise UsageError(f"{args.file or 'stdin'}: not JSON: {exc}") from None
    if not isinstance(answer, dict):
        raise UsageError(f"{args.file or 'stdin'}: an answer is a JSON object")
    given = answer.get("sign")
    if answer_sign.verify_answer(answer, args.secret):
        print(f"valid: sign {given} matches")
        return 0
    print("invalid: the sign does not match this answer and secret")
    print(f"  expected:  {answer_sign.answer_sign(answer, args.secret)}")
    print(f"  given:     {'(none)' if given in (None, '') else given}")
    print(f"  canonical: {answer_sign.canonical_answer(answer)}")
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

    from vexora_sandbox.callbacks.body import callback_body
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

    url = check_url(args.url, "--url", "http://127.0.0.1:9000/notify")
    body = callback_for(args, time.time())
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    print(f"POST {url}")
    print(payload.decode("utf-8"))
    request = urllib.request.Request(
        url, data=payload, method="POST", headers={"Content-Type": "application/json"}
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


def register(sub: Any) -> None:
    """Add ``sign``, ``verify`` and ``send-callback`` to the subparsers ``sub``."""
    _sign_parser(sub)
    _verify_parser(sub)
    _send_callback_parser(sub)
