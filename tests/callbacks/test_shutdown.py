"""Stopping the sandbox: in-flight attempts are cancelled, pending callbacks are counted in
the log, and nothing hangs."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.callbacks.conftest import Client, Pay
from tests.conftest import MERCHANT_NO, START, TEST_SCENARIOS, payout_body, signed
from vexora_sandbox import SandboxConfig, create_app, keys
from vexora_sandbox.domain.clock import ManualClock
from vexora_sandbox.testing import SandboxServer

AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]
AiohttpClient = Callable[[web.Application], Awaitable[Client]]
LOGGER = "vexora_sandbox.callbacks"


async def stop(client: Client) -> float:
    """Stop the app (its cleanup stops the dispatcher); the seconds it took."""
    started = time.monotonic()
    await asyncio.wait_for(client.close(), 5)
    return time.monotonic() - started


async def test_pending_callbacks_are_counted_in_the_log(
    client: Client, pay: Pay, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(3):
        await pay()
    assert client.app[keys.DISPATCHER].pending_count == 3
    with caplog.at_level(logging.INFO, LOGGER):
        assert await stop(client) < 2
    (record,) = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "stopping with 3 callback(s) never acknowledged: T0001:0000, T0002:0000, T0003:0000"
    )


async def test_a_long_list_is_cut_after_20(
    client: Client, pay: Pay, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(25):
        await pay()
    with caplog.at_level(logging.INFO, LOGGER):
        await stop(client)
    (message,) = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert message.startswith("stopping with 25 callback(s) never acknowledged: T0001:0000, ")
    assert message.endswith("T0020:0000 ...")


async def test_a_callback_waiting_to_retry_is_counted_one_given_up_is_not(
    aiohttp_client: AiohttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    config = SandboxConfig(scenarios=TEST_SCENARIOS, clock="manual", callback_retries=(2.0,))
    app = create_app(config, clock=ManualClock(START))
    client = await aiohttp_client(app)
    dispatcher = app[keys.DISPATCHER]

    async def pay(trade_no: str) -> None:
        body = payout_body(tradeNo=trade_no, notifyUrl="http://127.0.0.1:9/notify")
        response = await client.post(
            "/v1/vexora/disbursements", json=signed(body), headers={"merchantNo": MERCHANT_NO}
        )
        assert (await response.json())["code"] == "0000"

    await pay("GONE")
    await dispatcher.advance(10)  # attempts at 2 and 4 s, then given up
    await pay("RETRYING")
    await dispatcher.advance(2.5)  # its first attempt failed; the retry is due at 4 s
    assert [(d.order.trade_no, d.gave_up, len(d.attempts)) for d in dispatcher.deliveries] == [
        ("GONE", True, 2),
        ("RETRYING", False, 1),
    ]
    with caplog.at_level(logging.INFO, LOGGER):
        await stop(client)
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert messages[-1] == "stopping with 1 callback(s) never acknowledged: RETRYING:0000"


async def test_nothing_pending_says_so(
    client: Client, pay: Pay, caplog: pytest.LogCaptureFixture
) -> None:
    await pay()
    await client.app[keys.DISPATCHER].advance(2)
    with caplog.at_level(logging.INFO, LOGGER):
        await stop(client)
    assert [r.getMessage() for r in caplog.records if r.name == LOGGER] == [
        "stopping with no pending callbacks"
    ]


async def test_an_attempt_in_flight_is_cancelled(
    aiohttp_client: AiohttpClient,
    aiohttp_server: AiohttpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entered = asyncio.Event()
    release = asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        entered.set()
        await release.wait()
        return web.Response(text="OK")

    merchant = web.Application()
    merchant.router.add_post("/notify", hang)
    server = await aiohttp_server(merchant)
    # The attempt would wait 30 s for an answer; the 2 s delay is 2 ms at this scale.
    app = create_app(SandboxConfig(scenarios=TEST_SCENARIOS, time_scale=0.001, callback_timeout=30))
    client = await aiohttp_client(app)
    response = await client.post(
        "/v1/vexora/disbursements",
        json=signed(payout_body(notifyUrl=f"http://127.0.0.1:{server.port}/notify")),
        headers={"merchantNo": MERCHANT_NO},
    )
    assert (await response.json())["code"] == "0000"
    await asyncio.wait_for(entered.wait(), 5)
    dispatcher = app[keys.DISPATCHER]
    assert dispatcher.in_flight_count == 1
    try:
        with caplog.at_level(logging.INFO, LOGGER):
            assert await stop(client) < 2
    finally:
        release.set()
    assert dispatcher.in_flight_count == 0
    (delivery,) = dispatcher.deliveries
    assert delivery.attempts == []  # cancelled: no answer to record
    assert delivery.pending
    assert [r.getMessage() for r in caplog.records if r.name == LOGGER] == [
        "stopping with 1 callback(s) never acknowledged: T20261124000001:0000"
    ]


def test_the_threaded_sandbox_server_stops_with_callbacks_pending(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, LOGGER):
        server = SandboxServer(clock="manual").start()
        try:
            answer = server.payout(notifyUrl="http://127.0.0.1:9/notify")
            assert answer["code"] == "0000"
        finally:
            started = time.monotonic()
            server.stop()
    assert time.monotonic() - started < 3
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert messages == [
        f"stopping with 1 callback(s) never acknowledged: {answer['data']['tradeNo']}:0000"
    ]
