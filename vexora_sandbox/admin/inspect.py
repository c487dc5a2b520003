"""Read-only admin routes: transactions, the request journal, callbacks (with long-poll)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.admin.common import AdminError, flag, merchant_filter, number, one_order
from vexora_sandbox.admin.verify import entry_filter
from vexora_sandbox.callbacks.delivery import Delivery
from vexora_sandbox.domain.clock import epoch_ms, gateway_time
from vexora_sandbox.domain.orders import Order
from vexora_sandbox.responses import json_response

MAX_WAIT = 300.0


def callback_ids(request: web.Request) -> dict[int, list[int]]:
    """Each order's callback ids (keyed by id(order)), in one pass over the delivery log."""
    ids: dict[int, list[int]] = {}
    for delivery in request.config_dict[keys.DISPATCHER].deliveries:
        ids.setdefault(id(delivery.order), []).append(delivery.id)
    return ids


def order_json(
    order: Order, request: web.Request, callbacks: dict[int, list[int]] | None = None
) -> dict[str, Any]:
    # Status changes due without a callback (no notify URL) happen when the order is read.
    request.config_dict[keys.PAYMENTS].catch_up(order)
    if callbacks is None:
        callbacks = callback_ids(request)
    return {
        "merchantNo": order.merchant_no,
        "tradeNo": order.trade_no,
        "platFormTradeNo": order.platform_trade_no,
        "kind": order.kind.value,
        "endpoint": order.endpoint,
        "area": order.area,
        "amount": order.amount,
        "paidAmount": order.paid_amount,
        "status": order.status,
        "message": order.message,
        "remark": order.remark,
        "notifyUrl": order.notify_url,
        "createdAt": epoch_ms(order.created_at),
        "successTime": None if order.success_time is None else gateway_time(order.success_time),
        "extras": order.extras,
        "history": [
            {"status": c.status, "message": c.message, "at": epoch_ms(c.at)} for c in order.history
        ],
        "callbacks": callbacks.get(id(order), []),
        "notes": order.notes,
        # Payments after the first (Australia, Mexico): api.repeats.
        "repeats": [
            {"amount": r.amount, "status": r.status, "at": epoch_ms(r.at)} for r in order.repeats
        ],
    }


async def transactions(request: web.Request) -> web.Response:
    """Orders, oldest first per merchant; filters: merchantNo, tradeNo, status, endpoint."""
    q = request.query
    merchant = merchant_filter(request)
    callbacks = callback_ids(request)
    found = [
        order_json(o, request, callbacks)
        for o in request.config_dict[keys.STORE].orders(merchant)
        if (not q.get("tradeNo") or o.trade_no == q["tradeNo"])
        and (not q.get("status") or o.status == q["status"])
        and (not q.get("endpoint") or o.endpoint == q["endpoint"])
    ]
    return json_response({"transactions": found, "count": len(found)})


async def transaction(request: web.Request) -> web.Response:
    """One order with its status history and the ids of its callbacks."""
    order = one_order(request, request.match_info["tradeNo"], merchant_filter(request))
    return json_response(order_json(order, request))


async def requests(request: web.Request) -> web.Response:
    """The journal of gateway calls; filters: admin.verify.FILTERS."""
    keep = entry_filter(request)
    journal = request.config_dict[keys.REQUESTS]
    entries = [e for e in journal if keep(e)]
    return json_response({"requests": entries, "count": len(entries), "dropped": journal.dropped})


def _delivery_filter(request: web.Request) -> Callable[[Delivery], bool]:
    q = request.query
    merchant_filter(request)
    acknowledged = flag(request, "acknowledged")

    def keep(d: Delivery) -> bool:
        return (
            (not q.get("tradeNo") or d.order.trade_no == q["tradeNo"])
            and (not q.get("merchantNo") or d.order.merchant_no == q["merchantNo"])
            and (not q.get("status") or d.status == q["status"])
            and (acknowledged is None or d.acknowledged == acknowledged)
        )

    return keep


async def callbacks(request: web.Request) -> web.Response:
    """Deliveries with every attempt; ``wait=S`` long-polls for one with an attempt (408)."""
    dispatcher = request.config_dict[keys.DISPATCHER]
    keep = _delivery_filter(request)
    if "wait" in request.query:
        wait = number(request, "wait", default=0.0, lo=0.0, hi=MAX_WAIT)
        found = await dispatcher.wait_for(
            lambda: [d for d in dispatcher.deliveries if d.attempts and keep(d)],
            keep,
            wait,
            trade_no=request.query.get("tradeNo") or None,
        )
        if not found:
            return json_response(
                {"error": f"no matching callback was sent within {wait:g} seconds"}, status=408
            )
    else:
        found = [d for d in dispatcher.deliveries if keep(d)]
    return json_response(
        {
            "callbacks": [d.as_json() for d in found],
            "count": len(found),
            "pending": dispatcher.pending_count,
            "dropped": dispatcher.deliveries.dropped,
        }
    )


async def callback(request: web.Request) -> web.Response:
    delivery = find_delivery(request)
    return json_response(delivery.as_json())


def find_delivery(request: web.Request) -> Delivery:
    raw = request.match_info["id"]
    # ASCII digits only: str.isdigit() accepts "²", which int() refuses.
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None
    deliveries = request.config_dict[keys.DISPATCHER].deliveries
    delivery = None if number is None else deliveries.get(number)
    if delivery is None:
        raise AdminError(404, f"no callback with id {raw[:40]}")
    return delivery


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/transactions", transactions)
    app.router.add_get("/transactions/{tradeNo}", transaction)
    app.router.add_get("/requests", requests)
    app.router.add_get("/callbacks", callbacks)
    app.router.add_get("/callbacks/{id}", callback)
