"""Callback attempts: the gateway's retry schedule, acknowledgement, timeouts, time scale,
the bounded journal, dead and hanging merchants, huge answers and redirects.

The schedule is read from the journal under the manual clock: no test waits for business
time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.callbacks.conftest import Client, Pay, dead_url, journal
from tests.conftest import MERCHANT_NO, START, TEST_SCENARIOS, payout_body, signed
from vexora_sandbox import SandboxConfig, create_app, keys
from vexora_sandbox.callbacks.delivery import Delivery
from vexora_sandbox.domain.clock import ManualClock
from vexora_sandbox.testing import CallbackReceiver, Reply

AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]
AiohttpClient = Callable[[web.Application], Awaitable[Client]]
START_MS = int(START * 1000)
# Seconds after the order: the first attempt 2 s after it, then 2, 5, 10, 30 s, 1 h, 3 h x 3.
ATTEMPTS_AT = [2, 4, 9, 19, 49, 3649, 14449, 25249, 36049]


async def bounded(check: Callable[[], bool], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "not within the time allowed"
        await asyncio.sleep(0.005)


async def with_app(aiohttp_client: AiohttpClient, config: SandboxConfig) -> Client:
    """The sandbox with ``config``; a manual clock at START when it asks for one."""
    clock = ManualClock(START) if config.clock == "manual" else None
    return await aiohttp_client(create_app(config, clock=clock))


async def payout(client: Client, notify_url: str, trade_no: str = "T20261124000001") -> None:
    response = await client.post(
        "/v1/vexora/disbursements",
        json=signed(payout_body(tradeNo=trade_no, notifyUrl=notify_url)),
        headers={"merchantNo": MERCHANT_NO},
    )
    assert (await response.json())["code"] == "0000"


# --- the schedule ------------------------------------------------------------------------


async def test_the_retry_schedule_then_giving_up(
    client: Client, pay: Pay, receiver: CallbackReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.reply(Reply(500, "busy"))
    await pay(tradeNo="T1")
    dispatcher = client.app[keys.DISPATCHER]
    now = 0.0
    for number, at in enumerate(ATTEMPTS_AT, start=1):
        await dispatcher.advance(at - now - 0.001)
        assert len(receiver.received) == number - 1, f"attempt {number} came early"
        await dispatcher.advance(0.001)
        now = at
        assert len(receiver.received) == number, f"attempt {number} did not come at {at} s"
    await dispatcher.advance(7 * 86400)
    assert len(receiver.received) == 9  # the 9th attempt was the last

    (delivery,) = await journal(client)
    attempts = delivery["attempts"]
    assert [a["at"] - START_MS for a in attempts] == [at * 1000 for at in ATTEMPTS_AT]
    assert [a["attempt"] for a in attempts] == list(range(1, 10))
    assert [a["nextAttemptAt"] for a in attempts] == [
        START_MS + at * 1000 for at in ATTEMPTS_AT[1:]
    ] + [None]
    assert {a["responseStatus"] for a in attempts} == {500}
    assert {a["responseBody"] for a in attempts} == {"busy"}
    assert {a["acknowledged"] for a in attempts} == {False}
    assert (delivery["gaveUp"], delivery["pending"], delivery["acknowledged"]) == (
        True,
        False,
        False,
    )
    assert delivery["nextAttemptAt"] is None
    assert "gave up after 9 attempts" in caplog.text
    assert client.app[keys.DISPATCHER].pending_count == 0


async def test_every_retry_sends_the_same_bytes(
    client: Client, pay: Pay, receiver: CallbackReceiver
) -> None:
    receiver.script(["no", "no"])
    await pay()
    await client.app[keys.DISPATCHER].advance(10)
    first, second, third = receiver.received
    assert first.raw == second.raw == third.raw
    assert third.replied.body == "OK"
    (delivery,) = await journal(client)
    assert [a["acknowledged"] for a in delivery["attempts"]] == [False, False, True]
    assert delivery["acknowledged"] is True
    assert delivery["nextAttemptAt"] is None


async def test_an_attempt_record_has_every_field(
    client: Client, pay: Pay, receiver: CallbackReceiver
) -> None:
    receiver.reply(Reply(503, "x" * 3000))
    await pay()
    await client.app[keys.DISPATCHER].advance(2)
    (delivery,) = await journal(client)
    (attempt,) = delivery["attempts"]
    assert attempt["latencyMs"] >= 0
    assert attempt == {
        "attempt": 1,
        "at": START_MS + 2000,
        "latencyMs": attempt["latencyMs"],
        "responseStatus": 503,
        "responseBody": "x" * 2048,
        "responseTruncated": True,
        "acknowledged": False,
        "error": None,
        "nextAttemptAt": START_MS + 4000,
    }
    assert delivery["body"]["status"] == "0000"
    assert delivery["dueAt"] == START_MS + 4000


# --- acknowledgement -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "acknowledged"),
    [
        (Reply(200, "OK"), True),
        (Reply(200, "success"), False),
        (Reply(200, "ok"), False),
        (Reply(200, "OK\n"), False),
        (Reply(200, " OK"), False),
        (Reply(200, '{"code":"OK"}'), False),
        (Reply(200, ""), False),
        (Reply(201, "OK"), False),
        (Reply(500, "OK"), False),
    ],
    ids=lambda v: repr(v) if not isinstance(v, Reply) else f"{v.status}-{v.body!r}",
)
async def test_only_200_and_exactly_ok_acknowledges(
    client: Client, pay: Pay, receiver: CallbackReceiver, reply: Reply, acknowledged: bool
) -> None:
    receiver.reply(reply)
    await pay()
    await client.app[keys.DISPATCHER].advance(2)
    (delivery,) = await journal(client)
    (attempt,) = delivery["attempts"]
    assert (attempt["acknowledged"], delivery["acknowledged"]) == (acknowledged, acknowledged)
    assert attempt["nextAttemptAt"] == (None if acknowledged else START_MS + 4000)


@pytest.mark.parametrize(
    ("body", "acknowledged"), [("OK", True), ("success", True), ("SUCCESS", False), ("ok", False)]
)
async def test_a_configured_ack_list(
    aiohttp_client: AiohttpClient, receiver: CallbackReceiver, body: str, acknowledged: bool
) -> None:
    config = SandboxConfig(scenarios=TEST_SCENARIOS, clock="manual", callback_ack=("OK", "success"))
    client = await with_app(aiohttp_client, config)
    receiver.reply(body)
    await payout(client, receiver.url)
    await client.app[keys.DISPATCHER].advance(2)
    (delivery,) = await journal(client)
    assert delivery["acknowledged"] is acknowledged


# --- the attempt timeout -------------------------------------------------------------


async def test_a_hanging_merchant_hits_the_attempt_timeout(
    aiohttp_client: AiohttpClient, receiver: CallbackReceiver
) -> None:
    client = await with_app(
        aiohttp_client,
        SandboxConfig(scenarios=TEST_SCENARIOS, clock="manual", callback_timeout=0.5),
    )
    receiver.script([Reply(delay=3)])
    await payout(client, receiver.url)
    await client.app[keys.DISPATCHER].advance(2)
    (delivery,) = await journal(client)
    (attempt,) = delivery["attempts"]
    assert attempt["error"] == "no complete answer within 0.5 s"
    assert attempt["responseStatus"] is None
    # The timeout is a floor; the ceiling, far below the 3 s answer, allows a busy machine.
    assert 450 <= attempt["latencyMs"] < 2500
    assert attempt["nextAttemptAt"] == START_MS + 4000
    # The retry is answered at once and acknowledged.
    await client.app[keys.DISPATCHER].advance(2)
    (delivery,) = await journal(client)
    assert delivery["acknowledged"] is True


async def test_time_scale_does_not_shorten_the_attempt_timeout(
    aiohttp_client: AiohttpClient, receiver: CallbackReceiver
) -> None:
    config = SandboxConfig(
        scenarios=TEST_SCENARIOS, clock="manual", time_scale=0.001, callback_timeout=2
    )
    client = await with_app(aiohttp_client, config)
    receiver.reply(Reply(delay=0.1))
    await payout(client, receiver.url)
    await client.app[keys.DISPATCHER].advance(0.002)
    (delivery,) = await journal(client)
    assert delivery["acknowledged"] is True
    assert delivery["attempts"][0]["latencyMs"] >= 100


# --- time scale ----------------------------------------------------------------------


async def test_time_scale_compresses_the_whole_schedule(
    aiohttp_client: AiohttpClient, receiver: CallbackReceiver
) -> None:
    client = await with_app(
        aiohttp_client, SandboxConfig(scenarios=TEST_SCENARIOS, clock="manual", time_scale=0.001)
    )
    receiver.reply(Reply(500, "no"))
    await payout(client, receiver.url)
    await client.app[keys.DISPATCHER].advance(36.049)
    (delivery,) = await journal(client)
    assert [a["at"] - START_MS for a in delivery["attempts"]] == ATTEMPTS_AT  # ms, not s
    assert delivery["gaveUp"] is True


async def test_time_scale_on_the_system_clock(
    aiohttp_client: AiohttpClient, receiver: CallbackReceiver
) -> None:
    client = await with_app(
        aiohttp_client, SandboxConfig(scenarios=TEST_SCENARIOS, time_scale=0.001)
    )
    receiver.reply(Reply(500, "no"))
    await payout(client, receiver.url)
    # Attempts 1-5 fall 2, 4, 9, 19 and 49 ms after the order; the 6th waits 3.6 s.
    dispatcher = client.app[keys.DISPATCHER]
    # A generous bound: the first attempt may wait for the delivery process to start on a
    # busy machine. What shows the scale is the attempts' own times, below.
    await bounded(lambda: sum(len(d.attempts) for d in dispatcher.deliveries) >= 5, timeout=60)
    (delivery,) = await journal(client)
    first, fifth = delivery["attempts"][0], delivery["attempts"][4]
    # Unscaled, the fifth attempt would come 47 s after the first; scaled, 47 ms (plus
    # the attempts' own latencies on this machine).
    assert fifth["at"] - first["at"] < 10_000
    # The interval counts from the end of the attempt: 3.6 s plus the attempt's latency
    # (and the moments between the attempt's end and its scheduling, on a busy machine).
    assert 3600 <= fifth["nextAttemptAt"] - fifth["at"] <= 3600 + fifth["latencyMs"] + 500
    # The sixth never before 3.6 s after the fifth.
    assert all(a["at"] - fifth["at"] >= 3600 for a in delivery["attempts"][5:])
    assert len(receiver.received) >= 5


# --- the journal -----------------------------------------------------------------------


async def test_the_journal_keeps_the_newest_journal_size_deliveries(
    aiohttp_client: AiohttpClient, receiver: CallbackReceiver
) -> None:
    client = await with_app(
        aiohttp_client, SandboxConfig(scenarios=TEST_SCENARIOS, clock="manual", journal_size=3)
    )
    for i in range(1, 6):
        await payout(client, receiver.url, f"T{i}")
    await client.app[keys.DISPATCHER].advance(2)
    response = await client.get("/_sandbox/callbacks")
    body = await response.json()
    assert (body["count"], body["dropped"]) == (3, 2)
    assert [d["tradeNo"] for d in body["callbacks"]] == ["T3", "T4", "T5"]
    # Dropping old entries from the journal drops nothing from the delivery.
    assert sorted(r.trade_no for r in receiver.received) == ["T1", "T2", "T3", "T4", "T5"]


# --- merchants that are down, slow, huge or redirecting -------------------------------


async def test_a_dead_notify_url_delays_nothing_else(
    client: Client, pay: Pay, receiver: CallbackReceiver
) -> None:
    await pay(tradeNo="DEAD", notifyUrl=dead_url())
    await pay(tradeNo="ALIVE")
    await client.app[keys.DISPATCHER].advance(2)
    assert [r.trade_no for r in receiver.received] == ["ALIVE"]
    dead, alive = await journal(client)
    (attempt,) = dead["attempts"]
    assert attempt["error"].startswith("connection refused by 127.0.0.1:")
    assert (attempt["responseStatus"], attempt["nextAttemptAt"]) == (None, START_MS + 4000)
    assert alive["acknowledged"] is True


async def acknowledged(client: Client, prefix: str, count: int, timeout: float) -> None:
    """Wait until ``count`` deliveries whose tradeNo starts with ``prefix`` are acknowledged:
    woken by each recorded attempt (the journal's long-poll), not by polling."""
    dispatcher = client.app[keys.DISPATCHER]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout

    def done() -> list[Delivery]:
        found = [d for d in dispatcher.deliveries if d.order.trade_no.startswith(prefix)]
        return found if sum(d.acknowledged for d in found) >= count else []

    def match(d: Delivery) -> bool:
        return d.order.trade_no.startswith(prefix) and d.acknowledged

    while not done():
        left = deadline - loop.time()
        assert left > 0, f"{count} {prefix} callbacks not acknowledged within {timeout} s"
        await dispatcher.wait_for(done, match, left)


async def test_hanging_merchants_hold_no_one_else_up(
    aiohttp_client: AiohttpClient, aiohttp_server: AiohttpServer, receiver: CallbackReceiver
) -> None:
    release, first = asyncio.Event(), asyncio.Event()
    arrived = 0

    async def hang(request: web.Request) -> web.Response:
        nonlocal arrived
        arrived += 1
        first.set()
        await release.wait()
        return web.Response(text="OK")

    hanging = web.Application()
    hanging.router.add_post("/notify", hang)
    server = await aiohttp_server(hanging)
    config = SandboxConfig(
        scenarios=TEST_SCENARIOS, time_scale=0.001, callback_concurrency=8, callback_timeout=60
    )
    client = await with_app(aiohttp_client, config)
    for i in range(5):
        await payout(client, f"http://127.0.0.1:{server.port}/notify", f"HANG{i}")
    for i in range(5):
        await payout(client, dead_url(), f"DEAD{i}")
    await payout(client, receiver.url, "ALIVE")
    # Bounds far above the milliseconds this takes: the machine is shared and busy.
    await acknowledged(client, "ALIVE", 1, timeout=60)
    await asyncio.wait_for(first.wait(), 60)
    # The other hanging ones wait for their destination without holding a slot: one that
    # never answered yet holds an eighth of the slots (here one) until it answers.
    assert arrived == 1
    assert [r.trade_no for r in receiver.received] == ["ALIVE"]
    release.set()
    await acknowledged(client, "HANG", 5, timeout=60)
    assert arrived == 5


async def test_a_huge_answer_is_read_only_up_to_the_limit(
    aiohttp_client: AiohttpClient, aiohttp_server: AiohttpServer
) -> None:
    written = 0

    async def endless(request: web.Request) -> web.StreamResponse:
        nonlocal written
        response = web.StreamResponse()
        await response.prepare(request)
        try:
            await response.write(b"OK")
            while written < 200 * 1024 * 1024:
                await response.write(b"x" * 65536)
                written += 65536
        except (ConnectionError, RuntimeError):
            pass  # the sandbox stopped reading and closed the connection
        return response

    merchant = web.Application()
    merchant.router.add_post("/notify", endless)
    server = await aiohttp_server(merchant)
    config = SandboxConfig(
        scenarios=TEST_SCENARIOS, clock="manual", callback_max_response=1024, callback_timeout=10
    )
    client = await with_app(aiohttp_client, config)
    await payout(client, f"http://127.0.0.1:{server.port}/notify")
    await client.app[keys.DISPATCHER].advance(2)
    (delivery,) = await journal(client)
    (attempt,) = delivery["attempts"]
    assert attempt["error"] == "answer longer than 1024 bytes; the rest was not read"
    assert attempt["responseBody"] == "OK" + "x" * 1022
    assert (attempt["responseStatus"], attempt["acknowledged"]) == (200, False)
    assert attempt["responseTruncated"] is True
    assert attempt["latencyMs"] < 5000
    assert written < 200 * 1024 * 1024  # it did not drain the stream


@pytest.mark.parametrize(("answer", "acknowledged"), [("OK", True), ("OK!", False)])
async def test_an_answer_exactly_at_the_limit_is_complete(
    aiohttp_client: AiohttpClient, receiver: CallbackReceiver, answer: str, acknowledged: bool
) -> None:
    client = await with_app(
        aiohttp_client,
        SandboxConfig(scenarios=TEST_SCENARIOS, clock="manual", callback_max_response=2),
    )
    receiver.reply(answer)
    await payout(client, receiver.url)
    await client.app[keys.DISPATCHER].advance(2)
    (delivery,) = await journal(client)
    assert delivery["acknowledged"] is acknowledged
    assert delivery["attempts"][0]["responseBody"] == "OK"


async def test_redirects_are_not_followed(
    client: Client, pay: Pay, aiohttp_server: AiohttpServer
) -> None:
    followed = 0

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/ok")

    async def ok(request: web.Request) -> web.Response:
        nonlocal followed
        followed += 1
        return web.Response(text="OK")

    merchant = web.Application()
    merchant.router.add_post("/notify", moved)
    merchant.router.add_route("*", "/ok", ok)
    server = await aiohttp_server(merchant)
    await pay(notifyUrl=f"http://127.0.0.1:{server.port}/notify")
    await client.app[keys.DISPATCHER].advance(2)
    (delivery,) = await journal(client)
    (attempt,) = delivery["attempts"]
    assert (attempt["responseStatus"], attempt["acknowledged"]) == (302, False)
    assert attempt["nextAttemptAt"] == START_MS + 4000
    assert followed == 0


async def test_a_gave_up_warning_names_the_order(
    client: Client, pay: Pay, caplog: pytest.LogCaptureFixture
) -> None:
    await pay(tradeNo="GONE", notifyUrl=dead_url())
    with caplog.at_level(logging.WARNING, "vexora_sandbox.callbacks"):
        await client.app[keys.DISPATCHER].advance(40000)
    (delivery,) = await journal(client)
    assert len(delivery["attempts"]) == 9
    assert f"callback {delivery['id']} for GONE gave up after 9 attempts" in caplog.text
