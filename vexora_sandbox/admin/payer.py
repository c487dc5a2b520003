"""The admin API acting for a pay-in's payer: ``POST /_sandbox/transactions/{tradeNo}/payments``.

What the payer's page does (api.checkout_page), for a test that has no browser: an order in
progress is paid in full, in part (an amount below the order's) or fails (a failure
status); a paid order of an area that records repeated payments (Australia, Mexico) is
paid again (api.repeats), any other final order refuses with 409 and the reason. The
callback goes out at once, as the payer's action on the page sends it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.admin.common import AdminError, merchant_filter, one_order, read_json
from vexora_sandbox.admin.inspect import callback_ids, order_json
from vexora_sandbox.api.payin_flow import awaited_reference, payer_acts
from vexora_sandbox.api.repeats import amount_problem, pay_again, refusal
from vexora_sandbox.domain.orders import PARTIAL, PROCESSING, SUCCESS, Order, OrderKind
from vexora_sandbox.responses import json_response

STATUS_RULE = (
    'status is "0000" (paid: an amount below the order\'s makes a partial payment, 0001) '
    'or a failure code such as "00029"'
)


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise AdminError(400, f"{name} must be a string, as the gateway's amounts and codes are")
    return value


async def pay(request: web.Request) -> web.Response:
    body = await read_json(request)
    amount, status = _text(body, "amount"), _text(body, "status") or SUCCESS
    if status in (PROCESSING, PARTIAL):
        raise AdminError(400, f"{STATUS_RULE}; got {status!r}")
    order = one_order(request, request.match_info["tradeNo"], merchant_filter(request, body))
    app = request.config_dict  # the gateway's keys live on the parent application
    app[keys.PAYMENTS].catch_up(order)
    if order.kind is not OrderKind.PAYIN:
        raise AdminError(409, f"order {order.trade_no} is a payout: only a pay-in's payer pays")
    if order.status == PROCESSING:
        repeat, callback = False, _first_payment(request, order, amount, status)
    else:
        try:
            made, callback = pay_again(app, order, amount or order.amount, status)
        except ValueError as exc:
            raise AdminError(409 if refusal(order) else 400, str(exc)) from None
        repeat, amount = True, made.amount
    return json_response(
        {
            "transaction": order_json(order, request),
            "payment": {
                "amount": amount if repeat else order.paid_amount or order.amount,
                "status": status if repeat else order.status,
                "repeat": repeat,
            },
            "callback": callback,
        }
    )


def _first_payment(
    request: web.Request, order: Order, amount: str | None, status: str
) -> int | None:
    """The payer's first action on an order in progress, as the page's buttons do it."""
    app = request.config_dict
    field = awaited_reference(app, order)
    if field is not None and status == SUCCESS:
        raise AdminError(
            409,
            f"order {order.trade_no} is a P2P payment that waits for the wallet's "
            f"transaction id ({field}): submit it first",
        )
    paid = None
    if status == SUCCESS and amount is not None:
        problem = amount_problem(amount)
        value = Decimal(amount) if problem is None else Decimal(0)
        if problem is not None or value > order.amount_value:
            raise AdminError(
                400,
                f"the amount to pay must be a number above 0 and at most the order's "
                f"{order.amount}; got {amount!r}",
            )
        if value < order.amount_value:
            status, paid = PARTIAL, amount
    payer_acts(app, order, status, paid)
    ids = callback_ids(request).get(id(order), [])
    return ids[-1] if ids and order.notify_url else None


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/transactions/{tradeNo}/payments", pay)
