"""Hanging notify receivers never starve another merchant's callbacks.

Two origins that never answer used to take every slot (each could hold half of them, and a
slot freed by a timeout went back to the same origin's backlog): 0 of 30 healthy callbacks
arrived in 60 s. Origins now take turns, and those that never answered hold at most a
quarter of the slots, so the healthy ones arrive within about one attempt timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import MERCHANT_NO, TEST_SCENARIOS
from vexora_sandbox import SandboxConfig, create_app, keys
from vexora_sandbox.domain.orders import OrderKind
from vexora_sandbox.scenarios.model import CallbackSpec

Client = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[Client]]
AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]
TIMEOUT = 1.0  # real seconds per attempt
HEALTHY = 30
BACKLOG = 20  # callbacks queued for each hanging origin


class Hanging:
    """A receiver that accepts connections and never answers."""

    def __init__(self) -> None:
        self.connections = 0
        self._writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        with contextlib.suppress(ConnectionError):
            while await reader.read(65536):
                pass

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/notify"

    async def close(self) -> None:
        for writer in self._writers:
            writer.transport.abort()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


@pytest.fixture
async def hanging() -> AsyncIterator[list[Hanging]]:
    started: list[Hanging] = []
    yield started
    for receiver in started:
        await receiver.close()


def _queue(app: web.Application, url: str, count: int, prefix: str) -> None:
    payments, dispatcher = app[keys.PAYMENTS], app[keys.DISPATCHER]
    spec = (CallbackSpec(after=0, status="0000", message="SUCCESS"),)
    for i in range(count):
        order = payments.create(
            merchant_no=MERCHANT_NO,
            trade_no=f"{prefix}{i:04d}",
            kind=OrderKind.PAYOUT,
            endpoint="disbursements",
            area="default",
            amount="1",
            notify_url=url,
            remark="",
        )
        dispatcher.schedule(order, spec)


@pytest.mark.parametrize("origins", [1, 2, 10])
async def test_healthy_callbacks_arrive_while_origins_hang(
    origins: int,
    hanging: list[Hanging],
    aiohttp_client: AiohttpClient,
    aiohttp_server: AiohttpServer,
) -> None:
    arrived = 0

    async def notify(request: web.Request) -> web.Response:
        nonlocal arrived
        await request.read()
        arrived += 1
        return web.Response(text="OK")

    healthy = web.Application()
    healthy.router.add_post("/notify", notify)
    server = await aiohttp_server(healthy)
    config = SandboxConfig(
        scenarios=TEST_SCENARIOS,
        callback_concurrency=16,
        callback_timeout=TIMEOUT,
        time_scale=0.001,
        journal_size=1000,
    )
    client = await aiohttp_client(create_app(config))
    app = client.app
    for n in range(origins):
        receiver = Hanging()
        hanging.append(receiver)
        _queue(app, await receiver.start(), BACKLOG, f"H{n}-")
    _queue(app, f"http://127.0.0.1:{server.port}/notify", HEALTHY, "OK-")
    loop = asyncio.get_running_loop()
    started = loop.time()
    # Generous on a busy machine; the old dispatcher delivered none of them in 60 s.
    while arrived < HEALTHY and loop.time() - started < 8 * TIMEOUT:
        await asyncio.sleep(0.02)
    assert arrived == HEALTHY
    assert all(receiver.connections > 0 for receiver in hanging)  # they were tried too
    dispatcher = app[keys.DISPATCHER]
    # Origins that do not answer never hold more than half of the slots.
    assert dispatcher.in_flight_count <= 16 // 2
