"""What a payer's actions and a pay-in's submit step do to an order, wherever they come
from: the hosted payment page (``checkout_page``), the admin API acting for the payer
(``admin/payer.py``) and the operations that create pay-ins (``operations``). The page's
HTML lives in ``checkout_page``; this module holds no web handler.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.domain.orders import PROCESSING, Order, default_message
from vexora_sandbox.protocol.names import SUBMIT_ENDPOINTS, Endpoint
from vexora_sandbox.scenarios.model import CallbackSpec, Scenario

# Each submit endpoint's name for the payer's wallet transaction id (the paymentSubmit pages).
REFERENCE = {Endpoint.PAYIN_SUBMIT: "trxId", Endpoint.PAY_IN_SUBMIT: "utr"}
NO_URL_NOTE = (
    "no callback: the request has no notifyUrl and merchant {merchant} has no default "
    "notify URL (notifyUrl in its config entry); the status changes on schedule without "
    "one, and queries show it"
)


def submit_step(app: Mapping[Any, Any], order: Order) -> tuple[Endpoint, str] | None:
    """The order's area's submit endpoint and its reference field, if the area has one."""
    area = app[keys.AREAS].get(order.area)
    if area is None:
        return None
    for endpoint in SUBMIT_ENDPOINTS:
        if area.rules_for(endpoint) is not None:
            return endpoint, REFERENCE[endpoint]
    return None


def awaited_reference(app: Mapping[Any, Any], order: Order) -> str | None:
    """The reference field (trxId, utr) a P2P pay-in in progress waits for before the
    payer can pay it (a failure needs none), or None when it waits for nothing."""
    if not order.awaits_submit or order.status != PROCESSING:
        return None
    step = submit_step(app, order)
    return None if step is None else step[1]


def queue_callbacks(
    app: web.Application, order: Order, specs: Sequence[CallbackSpec], scenario: str
) -> None:
    """Queue callbacks (``after`` counted from the order's creation, scaled); an order
    without a notify URL gets their status changes without callbacks, and a note why."""
    if order.notify_url:
        app[keys.DISPATCHER].schedule(order, specs, scenario=scenario)
        return
    if not specs:
        return
    scale = app[keys.CONFIG].time_scale
    app[keys.PAYMENTS].defer(
        order,
        [
            (
                order.created_at + s.after * scale,
                s.status,
                s.message or default_message(s.status),
                s.amount,
            )
            for s in specs
        ],
    )
    order.notes.append(NO_URL_NOTE.format(merchant=order.merchant_no))


def schedule_from_now(app: web.Application, order: Order, scenario: Scenario) -> None:
    """Queue ``scenario``'s callbacks counted from now instead of from the order's creation."""
    # Callbacks count ``after`` (scaled) from the creation: add the time since then.
    since = (app[keys.CLOCK].now() - order.created_at) / app[keys.CONFIG].time_scale
    specs = [dataclasses.replace(s, after=s.after + since) for s in scenario.callbacks]
    queue_callbacks(app, order, specs, scenario.name)


def take_reference(app: web.Application, order: Order, endpoint: str, reference: str) -> None:
    """The payer's transaction id given on the page: the same effect as the API's submit,
    with the scenario a submit call with that reference would choose."""
    field = REFERENCE[Endpoint(endpoint)]
    app[keys.PAYMENTS].submit(order, {field: reference})
    if not app[keys.PAYMENTS].release_submit(order):
        return
    body = {
        "tradeNo": order.trade_no,
        "amount": order.amount,
        **order.extras,
        "platFormTradeNo": order.platform_trade_no,
        field: reference,
    }
    scenario = app[keys.SCENARIOS].choose(
        endpoint=endpoint,
        merchant_no=order.merchant_no,
        area=order.area,
        account_field=None,
        body=body,
    )
    schedule_from_now(app, order, scenario)


def payer_acts(app: Mapping[Any, Any], order: Order, status: str, paid: str | None) -> bool:
    """Apply the payer's action and send its callback now; False if the order is final."""
    if order.status != PROCESSING:
        return False
    dispatcher = app[keys.DISPATCHER]
    dispatcher.cancel_order(order, unsent_scenario_only=True)  # the payer was faster
    app[keys.PAYMENTS].drop_deferred(order)
    change = app[keys.PAYMENTS].payer_pays(order, status, paid)
    if not order.notify_url:
        order.notes.append(NO_URL_NOTE.format(merchant=order.merchant_no))
        return True
    message = default_message(status)
    spec = CallbackSpec(after=0, status=status, message=message, amount=order.paid_amount)
    dispatcher.send_now(order, spec, origin="payer", applied=change is not None)
    return True
