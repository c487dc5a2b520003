"""The delivery process (``callback_delivery: process``): it makes the attempts, it stops
with the sandbox, and when it dies, hangs or cannot start, no callback is lost.

Business time is the manual clock's; the waits below are on events or bounded polls with
generous bounds (the machine is shared and busy).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.callbacks.conftest import Client, journal
from tests.conftest import MERCHANT_NO, START, TEST_SCENARIOS, payout_body, signed
from vexora_sandbox import SandboxConfig, create_app, keys
from vexora_sandbox.callbacks import process
from vexora_sandbox.domain.clock import ManualClock
from vexora_sandbox.testing import CallbackReceiver

AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]
AiohttpClient = Callable[[web.Application], Awaitable[Client]]
START_MS = int(START * 1000)
LOGGER = "vexora_sandbox.callbacks"


@pytest.fixture
def delivery_mode() -> str:
    """Each test here sets ``callback_delivery: process`` itself: one run is enough."""
    return "process"


async def sandbox(aiohttp_client: AiohttpClient, **settings: object) -> Client:
    config = SandboxConfig(
        scenarios=TEST_SCENARIOS,
        clock="manual",
        callback_delivery="process",
        **settings,  # type: ignore[arg-type]
    )
    return await aiohttp_client(create_app(config, clock=ManualClock(START)))


async def payout(client: Client, notify_url: str, trade_no: str = "T1") -> None:
    response = await client.post(
        "/v1/vexora/disbursements",
        json=signed(payout_body(tradeNo=trade_no, notifyUrl=notify_url)),
        headers={"merchantNo": MERCHANT_NO},
    )
    assert (await response.json())["code"] == "0000"


def worker_pid(client: Client) -> int:
    pid = client.app[keys.DISPATCHER]._client.pid  # type: ignore[union-attr]
    assert isinstance(pid, int)
    return pid


async def worker_ready(client: Client) -> int:
    """The process's pid once it said it runs (attempts before that are made in-loop)."""
    delivering = client.app[keys.DISPATCHER]._client
    assert isinstance(delivering, process.ProcessClient)
    await eventually(lambda: delivering._ready)
    return worker_pid(client)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "not within the time allowed"
        await asyncio.sleep(0.01)


async def hanging_merchant(
    aiohttp_server: AiohttpServer,
) -> tuple[str, asyncio.Event, asyncio.Event]:
    """A merchant that holds each callback until ``release`` is set; ``entered`` tells
    that one arrived."""
    entered, release = asyncio.Event(), asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        entered.set()
        await release.wait()
        return web.Response(text="OK")

    merchant = web.Application()
    merchant.router.add_post("/notify", hang)
    server = await aiohttp_server(merchant)
    return f"http://127.0.0.1:{server.port}/notify", entered, release


async def test_the_attempts_are_made_by_a_process_that_stops_with_the_sandbox(
    aiohttp_client: AiohttpClient, receiver: CallbackReceiver
) -> None:
    client = await sandbox(aiohttp_client)
    await payout(client, receiver.url)
    pid = await worker_ready(client)  # started when the callback was scheduled
    assert pid != os.getpid() and alive(pid)
    await client.app[keys.DISPATCHER].advance(2)
    (delivery,) = await journal(client)
    assert delivery["acknowledged"] is True
    assert [r.trade_no for r in receiver.received] == ["T1"]
    await client.close()
    await eventually(lambda: not alive(pid), timeout=2)


async def test_callbacks_due_before_the_process_is_ready_do_not_wait_for_it(
    aiohttp_client: AiohttpClient, receiver: CallbackReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(process, "BOOTSTRAP", "import time; time.sleep(60); " + process.BOOTSTRAP)
    client = await sandbox(aiohttp_client)
    await payout(client, receiver.url)
    await asyncio.wait_for(client.app[keys.DISPATCHER].advance(2), 20)  # made on the loop
    (delivery,) = await journal(client)
    assert delivery["acknowledged"] is True
    assert client.app[keys.DISPATCHER]._client._ready is False  # type: ignore[union-attr]


async def test_a_killed_process_fails_its_attempt_and_the_retry_is_delivered(
    aiohttp_client: AiohttpClient, aiohttp_server: AiohttpServer
) -> None:
    url, entered, release = await hanging_merchant(aiohttp_server)
    client = await sandbox(aiohttp_client, callback_timeout=60)
    await payout(client, url)
    first = await worker_ready(client)
    dispatcher = client.app[keys.DISPATCHER]
    advancing = asyncio.create_task(dispatcher.advance(2))
    await asyncio.wait_for(entered.wait(), 20)
    os.kill(first, signal.SIGKILL)
    await asyncio.wait_for(advancing, 20)
    (delivery,) = await journal(client)
    (attempt,) = delivery["attempts"]
    assert attempt["error"] == ("the delivery process ended before an answer came (exit status -9)")
    assert (attempt["responseStatus"], attempt["nextAttemptAt"]) == (None, START_MS + 4000)
    release.set()
    await dispatcher.advance(2)  # the retry: a new process
    (delivery,) = await journal(client)
    assert [a["acknowledged"] for a in delivery["attempts"]] == [False, True]
    assert worker_pid(client) != first


async def test_a_stuck_process_is_killed_and_its_attempt_retried(
    aiohttp_client: AiohttpClient,
    receiver: CallbackReceiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(process, "STUCK_MARGIN", 0.5)
    client = await sandbox(aiohttp_client, callback_timeout=0.5)
    await payout(client, receiver.url)
    stuck = await worker_ready(client)
    os.kill(stuck, signal.SIGSTOP)  # alive, but answers nothing
    try:
        with caplog.at_level(logging.WARNING, LOGGER):
            await asyncio.wait_for(client.app[keys.DISPATCHER].advance(2), 20)
    finally:
        if alive(stuck):
            os.kill(stuck, signal.SIGKILL)
    assert "callback delivery process is stuck; killing it" in caplog.text
    (delivery,) = await journal(client)
    (attempt,) = delivery["attempts"]
    assert attempt["error"].startswith("the delivery process ended before an answer came")
    await client.app[keys.DISPATCHER].advance(2)
    (delivery,) = await journal(client)
    assert delivery["acknowledged"] is True
    assert [r.trade_no for r in receiver.received] == ["T1"]


@pytest.mark.parametrize(
    ("executable", "why"),
    [
        ("/nonexistent/python", "cannot start it: "),
        ("/bin/false", "it ended before it was ready (exit status 1)"),
    ],
)
async def test_a_process_that_cannot_start_leaves_delivery_in_process(
    aiohttp_client: AiohttpClient,
    receiver: CallbackReceiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    executable: str,
    why: str,
) -> None:
    monkeypatch.setattr(sys, "executable", executable)
    client = await sandbox(aiohttp_client)
    client_of = client.app[keys.DISPATCHER]._client
    assert isinstance(client_of, process.ProcessClient)
    with caplog.at_level(logging.WARNING, LOGGER):
        await payout(client, receiver.url)
        await eventually(lambda: client_of._given_up)
    assert f"callback delivery process: {why}" in caplog.text
    assert "delivering in-process instead" in caplog.text
    await client.app[keys.DISPATCHER].advance(2)
    (delivery,) = await journal(client)
    assert delivery["acknowledged"] is True
    assert [r.trade_no for r in receiver.received] == ["T1"]


def test_auto_means_process_from_three_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})
    assert process.chosen_mode("auto") == "process"
    # Two cores: the delivery process would share one with the receiver (measured later).
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert process.chosen_mode("auto") == "loop"
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {1})
    assert process.chosen_mode("auto") == "loop"
    assert process.chosen_mode("process") == "process"
    assert process.chosen_mode("loop") == "loop"
