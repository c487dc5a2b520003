"""``disbursements`` and ``queryPayOutResult``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.api.gateway import read_call
from vexora_sandbox.api.outcome import answer, choose_scenario, create_order, refused
from vexora_sandbox.domain.clock import gateway_time
from vexora_sandbox.domain.orders import Order, OrderKind, is_success
from vexora_sandbox.errors import GatewayError, NotFound


async def disbursements(request: web.Request) -> web.StreamResponse:
    call = await read_call(request, "disbursements")
    scenario = choose_scenario(request, call)
    if refused(scenario):
        return await answer(request, scenario, lambda: None)
    order = create_order(request, call, OrderKind.PAYOUT, scenario)
    return await answer(
        request,
        scenario,
        lambda: {
            "tradeNo": order.trade_no,
            "platFormTradeNo": order.platform_trade_no,
            "status": order.status,
            "message": order.message,
            "remark": order.remark,
        },
    )


def find_order(request: web.Request, merchant_no: str, trade_no: str, kind: OrderKind) -> Order:
    """The merchant's order of that kind, or the gateway's "does not exist" error."""
    try:
        order = request.app[keys.STORE].order(merchant_no, trade_no)
    except NotFound as exc:
        raise GatewayError(str(exc)) from None
    if order.kind is not kind:
        other = "queryPayInResult" if order.kind is OrderKind.PAYIN else "queryPayOutResult"
        raise GatewayError(
            f"order {trade_no} does not exist as a {kind.value} "
            f"(it is a {order.kind.value}: query it with {other})"
        )
    return order


def query_data(order: Order) -> dict[str, Any]:
    data: dict[str, Any] = {
        "tradeNo": order.trade_no,
        "platFormTradeNo": order.platform_trade_no,
        "amount": order.paid_amount or order.amount,
        "status": order.status,
        "message": order.message,
    }
    if is_success(order.status) and order.success_time is not None:
        data["successTime"] = gateway_time(order.success_time)
    return data


async def query_payout(request: web.Request) -> web.StreamResponse:
    call = await read_call(request, "queryPayOutResult")
    scenario = choose_scenario(request, call)
    if refused(scenario):
        return await answer(request, scenario, lambda: None)
    order = find_order(request, call.merchant.merchant_no, call.text("tradeNo"), OrderKind.PAYOUT)
    return await answer(request, scenario, lambda: query_data(order))
