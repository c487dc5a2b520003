"""Admin routes that change state: reset, forced status, replay, the clock, reloading the
scenario files."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.admin.common import AdminError, merchant_filter, one_order, read_json
from vexora_sandbox.admin.inspect import find_delivery, order_json
from vexora_sandbox.callbacks.dispatcher import Dispatcher
from vexora_sandbox.domain.clock import Clock, epoch_ms
from vexora_sandbox.domain.orders import default_message
from vexora_sandbox.errors import ConfigError
from vexora_sandbox.responses import json_response
from vexora_sandbox.scenarios.model import CallbackSpec

# How long a reset waits for callback attempts already on the wire (real time: they are
# HTTP requests), so that none reaches a merchant after the reset has answered; those
# still running then are stopped.
RESET_DRAIN_SECONDS = 1.0
# Bounds of the manual clock (sandbox choice), the same for the admin API and the
# dashboard's button: every date the sandbox writes stays a valid date.
MAX_ADVANCE = 10 * 365 * 86400
LATEST_TIME = 221845392000.0  # 9000-01-01T00:00:00Z


def advance_refused(clock: Clock, seconds: float) -> str | None:
    """Why the clock cannot move forward by ``seconds``, or None when it can."""
    if not seconds >= 0:  # NaN too
        return "seconds is required, as a non-negative number"
    if seconds > MAX_ADVANCE:
        return f"seconds must be at most {MAX_ADVANCE} (ten years) per advance; got {seconds}"
    if clock.now() + seconds > LATEST_TIME:
        return "the clock cannot be moved past the year 9000"
    return None


async def reset(request: web.Request) -> web.Response:
    """Forget orders, journals, pending callbacks and runtime scenarios: of everything, or
    of one merchant."""
    body = await read_json(request)
    merchant = merchant_filter(request, body)
    cancelled = await reset_state(request.config_dict, merchant)
    return json_response({"reset": merchant or "all", "cancelledCallbacks": cancelled})


async def reset_state(app: Mapping[Any, Any], merchant: str | None) -> int:
    """The reset itself (also the dashboard's button); the count of callbacks cancelled."""
    dispatcher: Dispatcher = app[keys.DISPATCHER]
    if merchant is None:
        cancelled = dispatcher.cancel_all()
    else:
        cancelled = dispatcher.cancel_merchant(merchant)
    # A new generation of the merchant's state: an attempt started before this line never
    # applies to what follows, even when the bounded delivery log no longer holds it.
    app[keys.STORE].reset(merchant)
    dispatcher.deliveries.clear(merchant)
    await dispatcher.drain(merchant, timeout=RESET_DRAIN_SECONDS)
    if merchant is None:
        app[keys.REQUESTS].clear()
        app[keys.IDS].reset()
        app[keys.ERRORS].clear()
        app[keys.SCENARIOS].clear_runtime()
    else:
        app[keys.REQUESTS].clear(lambda e: e.get("merchantNo") == merchant)
        app[keys.SCENARIOS].remove_runtime(merchant)
    return cancelled


async def force_status(request: web.Request) -> web.Response:
    """Force a transition and send its callback (for late reversals and exploration)."""
    body = await read_json(request)
    status = body.get("status")
    if not isinstance(status, str) or not status:
        raise AdminError(400, 'status is required, as a string such as "0000"')
    for name in ("message", "amount"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise AdminError(400, f"{name} must be a string (callback values are strings)")
    message = body.get("message") or default_message(status)
    order = one_order(request, request.match_info["tradeNo"], merchant_filter(request, body))
    before = order.status
    spec = CallbackSpec(after=0, status=status, message=str(message), amount=body.get("amount"))
    # Applied here, not when the callback falls due, so that the answer shows the new
    # state; a change the table refuses still sends its callback (applied: false).
    change = request.config_dict[keys.PAYMENTS].change_status(
        order, status, str(message), paid_amount=spec.amount
    )
    delivery = request.config_dict[keys.DISPATCHER].send_now(
        order, spec, origin="forced", applied=change is not None
    )
    return json_response(
        {
            "transaction": order_json(order, request),
            "applied": change is not None,
            "previousStatus": before,
            "callback": delivery.id,
        }
    )


async def replay(request: web.Request) -> web.Response:
    original = find_delivery(request)
    try:
        delivery = request.config_dict[keys.DISPATCHER].replay(original)
    except ValueError as exc:
        raise AdminError(409, str(exc)) from None
    return json_response({"callback": delivery.id, "replayOf": original.id})


async def advance_clock(request: web.Request) -> web.Response:
    body = await read_json(request)
    seconds = body.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise AdminError(400, "seconds is required, as a non-negative number")
    clock = request.config_dict[keys.CLOCK]
    refused = advance_refused(clock, seconds)
    if refused is not None:
        raise AdminError(400, refused)
    if not clock.manual:
        raise AdminError(409, "the clock is not manual; start the sandbox with --clock manual")
    handled = await request.config_dict[keys.DISPATCHER].advance(float(seconds))
    return json_response({"now": epoch_ms(clock.now()), "callbackAttempts": handled})


async def clock_now(request: web.Request) -> web.Response:
    clock = request.config_dict[keys.CLOCK]
    return json_response({"now": epoch_ms(clock.now()), "manual": clock.manual})


def relative(text: str, root: Path) -> str:
    """``text`` with the scenario root's directory left out of every path in it: the admin
    API does not show the server's file system."""
    base = root.parent if root.suffix in (".yaml", ".yml") else root
    return text.replace(f"{base}{os.sep}", "").replace(str(base), base.name)


async def reload_scenarios(request: web.Request) -> web.Response:
    registry = request.config_dict[keys.SCENARIOS]
    try:
        loaded = registry.reload()
    except ConfigError as exc:
        return json_response(
            {
                "error": "the scenarios were not reloaded; the previous set stays in force",
                "problems": [relative(str(p), registry.path) for p in exc.problems],
                "inForce": len(registry.current.scenarios),
            },
            status=422,
        )
    return json_response({"reloaded": len(loaded.scenarios), "generation": registry.generation})


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/reset", reset)
    app.router.add_post("/transactions/{tradeNo}/status", force_status)
    app.router.add_post("/callbacks/{id}/replay", replay)
    app.router.add_post("/clock/advance", advance_clock)
    app.router.add_get("/clock", clock_now)
    app.router.add_post("/scenarios/reload", reload_scenarios)
