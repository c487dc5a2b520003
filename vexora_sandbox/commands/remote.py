"""``status``, ``replay`` and ``force``: a running sandbox's admin API from the command line."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from vexora_sandbox.commands.common import AdminFailure, HelpFormatter, check_url

if TYPE_CHECKING:
    from vexora_sandbox.testing import AdminClient

DEFAULT_URL = "http://127.0.0.1:8080"


def _admin_options(p: argparse.ArgumentParser) -> None:
    from vexora_sandbox.config import CLIENT

    p.add_argument(
        "--url",
        help=f"the sandbox's base URL, http://HOST:PORT ({CLIENT['url'].env}; "
        f"default {DEFAULT_URL})",
    )
    p.add_argument(
        "--admin-token",
        metavar="T",
        help=f"the sandbox's admin token, if it has one ({CLIENT['admin_token'].env})",
    )
    p.add_argument("--json", action="store_true", help="print the admin API's JSON answer")


def register(sub: Any) -> None:
    """Add ``status``, ``replay`` and ``force`` to the subparsers ``sub``."""
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
    from vexora_sandbox.config import client_environment
    from vexora_sandbox.testing import AdminClient

    environ = client_environment()
    url = check_url(args.url or environ.get("url") or DEFAULT_URL, "--url")
    token = args.admin_token or environ.get("admin_token")
    return AdminClient(url, token)


def _call_admin(admin: AdminClient, method: str, path: str, payload: Any = None, **kw: Any) -> Any:
    """An admin call; its error, or an unreachable sandbox, becomes a one-line message."""
    import urllib.error

    from vexora_sandbox.testing import SandboxError

    try:
        return admin.request(method, path, payload, **kw)
    except SandboxError as exc:
        if exc.status == 401:
            from vexora_sandbox.config import CLIENT

            raise AdminFailure(
                f"the sandbox at {admin.base_url} refused the admin call (HTTP 401: "
                f"{exc.reason}); pass the token it was started with as --admin-token T or "
                f"{CLIENT['admin_token'].env}"
            ) from None
        raise AdminFailure(f"the sandbox answered HTTP {exc.status}: {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise AdminFailure(
            f"no sandbox answers at {admin.base_url} ({reason}); start one with "
            "`vexora-sandbox serve` or pass --url"
        ) from None


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
