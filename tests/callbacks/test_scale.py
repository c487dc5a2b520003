"""10,000 pending callbacks are one heap served by one task (design rule 7), and delivering
many at once keeps both the requests in flight and the tasks bounded."""

from __future__ import annotations

import asyncio
import heapq
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.callbacks.conftest import Client
from tests.conftest import MERCHANT_NO, START, TEST_SCENARIOS
from vexora_sandbox import SandboxConfig, create_app, keys
from vexora_sandbox.domain.clock import ManualClock
from vexora_sandbox.domain.orders import OrderKind
from vexora_sandbox.scenarios.model import CallbackSpec

AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]
AiohttpClient = Callable[[web.Application], Awaitable[Client]]


def schedule(app: web.Application, count: int, url: str, *, after: float = 2.0) -> None:
    """``count`` payouts, each with one callback ``after`` seconds (no HTTP: it is the
    dispatcher under test, not the API)."""
    payments, dispatcher = app[keys.PAYMENTS], app[keys.DISPATCHER]
    spec = (CallbackSpec(after=after, status="0000", message="SUCCESS"),)
    for i in range(count):
        order = payments.create(
            merchant_no=MERCHANT_NO,
            trade_no=f"S{i:06d}",
            kind=OrderKind.PAYOUT,
            endpoint="disbursements",
            area="default",
            amount="100",
            notify_url=url,
            remark="",
        )
        dispatcher.schedule(order, spec, scenario="scale")


def dispatcher_tasks() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == "vexora-callback-dispatcher"]


class CountingMerchant:
    """Acknowledges after a little while, counting requests and tasks at their peak."""

    def __init__(self) -> None:
        self.received = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.peak_tasks = 0

    async def notify(self, request: web.Request) -> web.Response:
        self.received += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        self.peak_tasks = max(self.peak_tasks, len(asyncio.all_tasks()))
        await asyncio.sleep(0.002)
        self.in_flight -= 1
        return web.Response(text="OK")

    async def serve(self, aiohttp_server: AiohttpServer) -> str:
        app = web.Application()
        app.router.add_post("/notify", self.notify)
        server = await aiohttp_server(app)
        return f"http://127.0.0.1:{server.port}/notify"


async def test_ten_thousand_pending_callbacks_are_one_heap_and_one_task(
    client: Client,
) -> None:
    app = client.app
    await asyncio.sleep(0)
    before = len(asyncio.all_tasks())
    assert len(dispatcher_tasks()) == 1

    started = time.monotonic()
    schedule(app, 10_000, "http://127.0.0.1:9/notify", after=60)
    assert time.monotonic() - started < 10
    await asyncio.sleep(0.05)  # let the dispatcher see the heap

    dispatcher = app[keys.DISPATCHER]
    assert len(asyncio.all_tasks()) == before
    assert len(dispatcher_tasks()) == 1
    assert dispatcher.pending_count == 10_000
    heap = dispatcher._schedule._heap
    assert len(heap) == 10_000
    assert all(heap[(i - 1) // 2][:2] <= heap[i][:2] for i in range(1, len(heap)))
    assert heap[0][0] == min(item[0] for item in heap) == START + 60
    assert dispatcher.in_flight_count == 0


async def test_the_earliest_of_many_is_sent_first(
    client: Client, aiohttp_server: AiohttpServer
) -> None:
    merchant = CountingMerchant()
    url = await merchant.serve(aiohttp_server)
    schedule(client.app, 5_000, url, after=3600)
    order = client.app[keys.PAYMENTS].create(
        merchant_no=MERCHANT_NO,
        trade_no="EARLY",
        kind=OrderKind.PAYOUT,
        endpoint="disbursements",
        area="default",
        amount="100",
        notify_url=url,
        remark="",
    )
    client.app[keys.DISPATCHER].schedule(order, (CallbackSpec(after=1, status="0000"),))
    assert heapq.nsmallest(1, client.app[keys.DISPATCHER]._schedule._heap)[0][2].order is order
    await client.app[keys.DISPATCHER].advance(1)
    assert merchant.received == 1
    assert client.app[keys.DISPATCHER].pending_count == 5_000


async def test_many_due_at_once_under_the_manual_clock_stay_bounded(
    aiohttp_client: AiohttpClient, aiohttp_server: AiohttpServer
) -> None:
    merchant = CountingMerchant()
    url = await merchant.serve(aiohttp_server)
    config = SandboxConfig(scenarios=TEST_SCENARIOS, clock="manual", callback_concurrency=8)
    client = await aiohttp_client(create_app(config, clock=ManualClock(START)))
    await asyncio.sleep(0)
    baseline = len(asyncio.all_tasks())
    schedule(client.app, 1_000, url)
    await client.app[keys.DISPATCHER].advance(2)
    assert merchant.received == 1_000
    assert merchant.peak_in_flight == 8 // 2  # one origin: half the slots at most
    # A few tasks per request in flight (the merchant's handler, the sandbox's attempt),
    # never one per due callback.
    assert merchant.peak_tasks <= baseline + 4 * 8


async def test_many_due_at_once_on_the_system_clock_stay_bounded(
    aiohttp_client: AiohttpClient, aiohttp_server: AiohttpServer
) -> None:
    merchant = CountingMerchant()
    url = await merchant.serve(aiohttp_server)
    config = SandboxConfig(scenarios=TEST_SCENARIOS, time_scale=0.0001, callback_concurrency=8)
    client = await aiohttp_client(create_app(config))
    await asyncio.sleep(0)
    baseline = len(asyncio.all_tasks())
    schedule(client.app, 1_000, url)
    dispatcher = client.app[keys.DISPATCHER]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while sum(d.acknowledged for d in dispatcher.deliveries) < 1_000:
        assert loop.time() < deadline
        await asyncio.sleep(0.01)
    assert merchant.peak_in_flight == 8 // 2  # one origin: half the slots at most
    assert merchant.peak_tasks <= baseline + 4 * 8
