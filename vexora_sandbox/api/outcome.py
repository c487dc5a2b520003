"""Applying a scenario to a call: its delay, its code, the order, its callbacks, its fault."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Callable
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.api.gateway import GatewayCall, call_info
from vexora_sandbox.api.middleware import gateway_answer
from vexora_sandbox.domain.clock import epoch_ms
from vexora_sandbox.domain.orders import Order, OrderKind
from vexora_sandbox.errors import REQUEST_FAILED
from vexora_sandbox.protocol.envelope import accepted, envelope
from vexora_sandbox.scenarios.model import Scenario

# How long the "timeout" fault holds a request before dropping the connection unanswered.
HANG_SECONDS = 120.0
DEFAULT_MSGS = {"5000": "system exception, please try again later", "8000": "request failed"}


def choose_scenario(request: web.Request, call: GatewayCall) -> Scenario:
    scenario = request.app[keys.SCENARIOS].choose(
        endpoint=call.endpoint,
        merchant_no=call.merchant.merchant_no,
        area=call.area.name,
        account_field=call.rules.account_field,
        body=call.body,
    )
    call_info(request)["scenario"] = scenario.name
    return scenario


def refused(scenario: Scenario) -> bool:
    """A scenario answering ``8000`` refuses the call: nothing is created or changed.

    The handler then answers at once with ``answer(request, scenario, lambda: None)``,
    which still applies the scenario's delay and fault.
    """
    return scenario.response.code == REQUEST_FAILED


def create_order(
    request: web.Request, call: GatewayCall, kind: OrderKind, scenario: Scenario, **extras: str
) -> Order:
    """Store the order and queue its scenario's callbacks."""
    order = request.app[keys.PAYMENTS].create(
        merchant_no=call.merchant.merchant_no,
        trade_no=call.text("tradeNo"),
        kind=kind,
        endpoint=call.endpoint,
        area=call.area.name,
        amount=call.text("amount"),
        notify_url=call.text("notifyUrl"),
        remark=call.text("remark"),
        extras={k: v for k, v in extras.items() if v},
    )
    if scenario.response.status != order.status:
        # The scenario answers with a final status at once (e.g. an immediate failure).
        request.app[keys.PAYMENTS].change_status(
            order, scenario.response.status, scenario.response.status_message
        )
    elif scenario.response.message:
        order.message = scenario.response.message
    request.app[keys.DISPATCHER].schedule(order, scenario.callbacks, scenario=scenario.name)
    return order


async def answer(
    request: web.Request, scenario: Scenario, data: Callable[[], Any]
) -> web.StreamResponse:
    """After the scenario's delay, the envelope its ``code`` calls for, or its fault.

    The delay is real time (it exercises real HTTP clients' timeouts) and comes after the
    handler's work, so an order already exists when a slow answer's client gives up.
    """
    if scenario.response.delay > 0:
        await asyncio.sleep(scenario.response.delay)
    now = epoch_ms(request.app[keys.CLOCK].now())
    code = scenario.response.code
    if code == "0000":
        payload = accepted(now, data())
    else:
        payload = envelope(code, scenario.response.msg or DEFAULT_MSGS[code], now)
    fault = scenario.response.fault
    if fault is None:
        return gateway_answer(request, payload)
    call_info(request)["fault"] = fault
    if fault == "http_500":
        return web.Response(status=500, text="500 Internal Server Error", content_type="text/html")
    if fault == "malformed_json":
        body = b'{"msg":"success","code":"0000","data":{'
        return web.Response(status=200, body=body, content_type="application/json")
    if fault == "empty_body":
        return web.Response(status=200, body=b"", content_type="application/json")
    if fault == "timeout":
        # Never answer; drop the connection when the client has long given up.
        await asyncio.sleep(HANG_SECONDS)
    _drop(request, reset=fault == "connection_reset")
    return web.Response(status=499)  # never written: the connection is gone


def _drop(request: web.Request, *, reset: bool) -> None:
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if reset and sock is not None:
        # Linger 0: closing sends a TCP RST instead of a polite FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
