"""Live updates: Server-Sent Events of each call and callback attempt, and the static files.

The stream only says that something happened (and to which order); the page's script
fetches the page again and swaps its content, so everything shown is rendered, and
escaped, by the same templates. Without JavaScript the pages are read by reloading.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from importlib import resources
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.admin.ui.auth import signed_in
from vexora_sandbox.admin.ui.pages import HEADERS
from vexora_sandbox.admin.ui.state import STREAM_BACKLOG, UI, UiState
from vexora_sandbox.callbacks.delivery import Delivery
from vexora_sandbox.events import Events

KEEPALIVE_SECONDS = 15.0
STATIC = {"ui.css": "text/css", "live.js": "text/javascript"}


def watch(state: UiState, events: Events) -> list[Callable[[], None]]:
    """Publish the sandbox's events to the dashboard's streams; the functions that stop it."""

    def on_call(entry: dict[str, Any], seconds: float) -> None:
        if state.streams:
            body = entry.get("body") if isinstance(entry.get("body"), dict) else {}
            state.publish({"kind": "call", "tradeNo": (body or {}).get("tradeNo")})

    def on_attempt(delivery: Delivery, attempt: dict[str, Any]) -> None:
        if state.streams:
            state.publish({"kind": "attempt", "tradeNo": delivery.order.trade_no})

    return [events.on_call(on_call), events.on_attempt(on_attempt)]


async def stream(request: web.Request) -> web.StreamResponse:
    if not signed_in(request):
        return web.Response(status=401, text="sign in first")
    if "text/event-stream" not in request.headers.get("Accept", ""):
        # An endless answer only for a client that asked for one (EventSource always does).
        return web.Response(
            status=406, text="this is a Server-Sent Events stream: send Accept: text/event-stream"
        )
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
    )
    await response.prepare(request)
    state = request.app[UI]
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(STREAM_BACKLOG)
    if not state.streams:  # the first browser watching: subscribe
        state.stops = watch(state, request.config_dict[keys.EVENTS])
    state.streams.add(queue)
    try:
        await response.write(b"retry: 2000\n\n")
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if event is None:  # the sandbox is stopping
                break
            await response.write(f"data: {json.dumps(event)}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        state.streams.discard(queue)
        if not state.streams:  # nobody watches: the events cost nothing again
            for stop in state.stops:
                stop()
            state.stops = []
    with contextlib.suppress(ConnectionResetError):
        await response.write_eof()
    return response


async def static(request: web.Request) -> web.StreamResponse:
    name = request.path.rsplit("/", 1)[1]
    text = resources.files("vexora_sandbox.admin.ui").joinpath("static", name).read_text("utf-8")
    headers = {**HEADERS, "Cache-Control": "max-age=300"}
    return web.Response(text=text, content_type=STATIC[name], headers=headers)


async def _stop(app: web.Application) -> None:
    app[UI].close()


def setup_live(admin: web.Application) -> None:
    admin.router.add_get("/ui/live", stream, name="ui:live")
    for name in STATIC:  # one route per file: no path from the URL reaches the disk
        admin.router.add_get(
            f"/ui/static/{name}", static, name=f"ui:static:{name.replace('.', '-')}"
        )
    admin.on_shutdown.append(_stop)
