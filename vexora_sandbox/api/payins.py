"""``checkout``, ``deposits``, ``payinSubmit``/``payInSubmit`` and ``queryPayInResult``.

docs/payins.md describes the answers, the P2P submit and the shipped pay-in scenarios.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.api.checkout_page import page_url
from vexora_sandbox.api.gateway import GatewayCall, call_info, read_call
from vexora_sandbox.api.outcome import answer, choose_scenario, create_order, refused
from vexora_sandbox.api.payouts import find_order, query_data
from vexora_sandbox.domain.orders import PROCESSING, Order, OrderKind
from vexora_sandbox.errors import GatewayError, NotFound
from vexora_sandbox.scenarios.model import Scenario

# Bangladesh calls it payinSubmit with trxId, Myanmar payInSubmit with utr
# (https://docs.vexora.com/guide/areas/bangladesh/paymentSubmit/, .../myanmar/paymentSubmit).
SUBMIT_ENDPOINTS = ("payinSubmit", "payInSubmit")
SUBMIT_REFERENCES = ("trxId", "utr")
# Bangladesh's P2C wallet codes: the payer pays the merchant's official account and the
# gateway sees it at once; every other wallet code of an area with a submit is P2P.
P2C_SUFFIX = "_OFFICIAL"


def waits_for_submit(call: GatewayCall) -> bool:
    """A host-to-host P2P deposit: the gateway waits for the payer's transaction id.

    (sandbox choice) A deposit waits when its area offers a submit endpoint and its
    ``wayCode`` is not a P2C code; a checkout never does (the hosted page is the payer's).
    """
    if call.endpoint != "deposits":
        return False
    if not any(call.area.rules_for(name) for name in SUBMIT_ENDPOINTS):
        return False
    return not call.text("wayCode").endswith(P2C_SUFFIX)


async def _create(request: web.Request, endpoint: str) -> web.StreamResponse:
    call = await read_call(request, endpoint)
    scenario = choose_scenario(request, call)
    if refused(scenario):
        return await answer(request, scenario, lambda: None)
    waits = waits_for_submit(call)
    # A P2P deposit's callbacks come from its submit's scenario, once the payer submits.
    queued = dataclasses.replace(scenario, callbacks=()) if waits else scenario
    order = create_order(
        request,
        call,
        OrderKind.PAYIN,
        queued,
        channelCode=call.text("channelCode"),
        wayCode=call.text("wayCode"),
        returnUrl=call.text("returnUrl"),
    )
    order.awaits_submit = waits and order.status == PROCESSING
    url = page_url(request, order)
    data: dict[str, Any] = {
        "tradeNo": order.trade_no,
        "platFormTradeNo": order.platform_trade_no,
        "status": order.status,
        "desc": order.message,
        "remark": order.remark,
        # The docs name it paymentUrl; merchant code in the wild reads paymentLink.
        "paymentUrl": url,
        "paymentLink": url,
    }
    if endpoint == "deposits":
        # (sandbox choice) paymentInfo stands for the QR string, VA number or wallet link a
        # real deposit returns: the page's URL, so that a test can still pay it.
        serial = "SN" + request.app[keys.IDS].token(18).upper()
        order.extras["serialNumber"] = serial
        data.update(paymentInfo=url, serialNumber=serial)
    return await answer(request, scenario, lambda: data)


async def checkout(request: web.Request) -> web.StreamResponse:
    return await _create(request, "checkout")


async def deposits(request: web.Request) -> web.StreamResponse:
    return await _create(request, "deposits")


def _order_by_platform(request: web.Request, call: GatewayCall) -> Order:
    number = call.text("platFormTradeNo")
    try:
        order = request.app[keys.STORE].order_by_platform(call.merchant.merchant_no, number)
    except NotFound:
        raise GatewayError(f"order {number} does not exist") from None
    if order.kind is not OrderKind.PAYIN:
        raise GatewayError(f"order {number} is a payout; only a pay-in takes a {call.endpoint}")
    return order


def _submit_scenario(request: web.Request, call: GatewayCall, order: Order) -> Scenario:
    """The submit's scenario, matched on its body plus the pay-in's amount and codes."""
    body = {"tradeNo": order.trade_no, "amount": order.amount, **order.extras, **call.body}
    scenario = request.app[keys.SCENARIOS].choose(
        endpoint=call.endpoint,
        merchant_no=call.merchant.merchant_no,
        area=call.area.name,
        account_field=None,
        body=body,
    )
    call_info(request)["scenario"] = scenario.name
    return scenario


async def _submit(request: web.Request, endpoint: str) -> web.StreamResponse:
    call = await read_call(request, endpoint)
    order = _order_by_platform(request, call)
    scenario = _submit_scenario(request, call, order)
    if refused(scenario):
        return await answer(request, scenario, lambda: None)
    taken = order.status == PROCESSING
    if taken:
        for name in SUBMIT_REFERENCES:
            if call.text(name):
                order.extras.setdefault(name, call.text(name))
        if order.awaits_submit:
            order.awaits_submit = False
            schedule_from_now(request, order, scenario)
    return await answer(request, scenario, lambda: taken)


def schedule_from_now(request: web.Request, order: Order, scenario: Scenario) -> None:
    """Queue ``scenario``'s callbacks counted from now instead of from the order's creation."""
    dispatcher = request.app[keys.DISPATCHER]
    # The dispatcher counts ``after`` (scaled) from the creation: add the time since then.
    since = (dispatcher.clock.now() - order.created_at) / request.app[keys.CONFIG].time_scale
    specs = [dataclasses.replace(s, after=s.after + since) for s in scenario.callbacks]
    dispatcher.schedule(order, specs, scenario=scenario.name)


async def payin_submit(request: web.Request) -> web.StreamResponse:
    return await _submit(request, "payinSubmit")


async def pay_in_submit(request: web.Request) -> web.StreamResponse:
    return await _submit(request, "payInSubmit")


async def query_payin(request: web.Request) -> web.StreamResponse:
    call = await read_call(request, "queryPayInResult")
    scenario = choose_scenario(request, call)
    if refused(scenario):
        return await answer(request, scenario, lambda: None)
    order = find_order(request, call.merchant.merchant_no, call.text("tradeNo"), OrderKind.PAYIN)
    return await answer(request, scenario, lambda: {**query_data(order), "remark": order.remark})
