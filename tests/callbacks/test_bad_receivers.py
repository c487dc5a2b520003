"""Callback receivers that misbehave cannot hurt the sandbox.

Each receiver below is a raw asyncio server on 127.0.0.1 (no HTTP library to smooth its
misbehaviour): one never answers, one streams a 1 GB answer, one an endless chunked one,
one redirects to itself, one closes in the middle of its answer, one answers byte by byte
too slowly, one answers no HTTP at all, one sends a 100 kB header line. The sandbox keeps
serving, reads at most ``callback_max_response`` bytes, gives up on each attempt after
``callback_timeout`` and records what went wrong in the callback journal.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, TEST_SCENARIOS, payout_body, signed
from vexora_sandbox import SandboxConfig, create_app, keys

Client = TestClient[web.Request, web.Application]
TIMEOUT = 0.5
MAX_RESPONSE = 1024
GIGABYTE = 1 << 30
_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)
Behaviour = Callable[[asyncio.StreamWriter, dict[str, int]], Awaitable[None]]


async def _never_answer(writer: asyncio.StreamWriter, stats: dict[str, int]) -> None:
    await asyncio.sleep(3600)


async def _one_gigabyte(writer: asyncio.StreamWriter, stats: dict[str, int]) -> None:
    # Streamed in 64 KiB chunks, never held in memory; stops when the sandbox hangs up.
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n")
    writer.write(f"Content-Length: {GIGABYTE}\r\n\r\n".encode())
    chunk = b"OK" * 32 * 1024
    while stats.get("huge", 0) < GIGABYTE:
        writer.write(chunk)
        await writer.drain()
        stats["huge"] = stats.get("huge", 0) + len(chunk)


async def _redirect_loop(writer: asyncio.StreamWriter, stats: dict[str, int]) -> None:
    writer.write(b"HTTP/1.1 302 Found\r\nLocation: /redirect\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()


async def _close_mid_answer(writer: asyncio.StreamWriter, stats: dict[str, int]) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nOK")
    await writer.drain()


async def _byte_by_byte(writer: asyncio.StreamWriter, stats: dict[str, int]) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK":
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.1)


async def _endless_chunks(writer: asyncio.StreamWriter, stats: dict[str, int]) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"10000\r\n" + b"OK" * 32 * 1024 + b"\r\n"
    while True:
        writer.write(chunk)
        await writer.drain()
        stats["chunked"] = stats.get("chunked", 0) + len(chunk)


async def _not_http(writer: asyncio.StreamWriter, stats: dict[str, int]) -> None:
    writer.write(b"THIS IS NOT HTTP\r\n\r\n")
    await writer.drain()


async def _huge_header(writer: asyncio.StreamWriter, stats: dict[str, int]) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nX-Filler: " + b"a" * 100_000 + b"\r\n")
    writer.write(b"Content-Length: 2\r\n\r\nOK")
    await writer.drain()


BEHAVIOURS: dict[str, Behaviour] = {
    "/hang": _never_answer,
    "/huge": _one_gigabyte,
    "/redirect": _redirect_loop,
    "/close": _close_mid_answer,
    "/slow": _byte_by_byte,
    "/chunked": _endless_chunks,
    "/garbage": _not_http,
    "/header": _huge_header,
}


class BadReceiver:
    """One server on a free port; the request path picks the misbehaviour."""

    def __init__(self) -> None:
        self.stats: dict[str, int] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            match = _LENGTH.search(head)
            await reader.readexactly(int(match.group(1)) if match else 0)
            path = head.split(b" ")[1].decode()
            self.stats[path + ":requests"] = self.stats.get(path + ":requests", 0) + 1
            await BEHAVIOURS[path](writer, self.stats)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            self.tasks.discard(task)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
async def receiver() -> AsyncIterator[BadReceiver]:
    bad = BadReceiver()
    server = await asyncio.start_server(bad.handle, "127.0.0.1", 0)
    bad.port = server.sockets[0].getsockname()[1]
    yield bad
    server.close()
    for task in list(bad.tasks):
        task.cancel()
    await asyncio.gather(*bad.tasks, return_exceptions=True)
    with contextlib.suppress(Exception):
        await server.wait_closed()


@pytest.fixture
async def sandbox(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
) -> AsyncIterator[Client]:
    # Callbacks fall due 20 ms after the order (2 s x 0.01); one attempt each, no retries.
    config = SandboxConfig(
        scenarios=TEST_SCENARIOS,
        time_scale=0.01,
        callback_timeout=TIMEOUT,
        callback_max_response=MAX_RESPONSE,
        callback_retries=(),
    )
    client = await aiohttp_client(create_app(config))
    yield client
    assert client.app is not None
    assert client.app[keys.ERRORS] == []


async def payout(client: Client, trade_no: str, notify_url: str) -> dict[str, Any]:
    body = signed(payout_body(tradeNo=trade_no, notifyUrl=notify_url, timestamp=_now_ms()))
    response = await client.post(
        "/v1/vexora/disbursements", json=body, headers={"merchantNo": MERCHANT_NO}
    )
    answer: dict[str, Any] = await response.json()
    assert answer["code"] == "0000", answer
    return answer


def _now_ms() -> str:
    return str(int(time.time() * 1000))


async def first_attempt(client: Client, trade_no: str) -> dict[str, Any]:
    """The journal entry of the order's callback once its attempt is recorded."""
    response = await client.get("/_sandbox/callbacks", params={"tradeNo": trade_no, "wait": "5"})
    assert response.status == 200, await response.text()
    deliveries = (await response.json())["callbacks"]
    assert len(deliveries) == 1
    delivery: dict[str, Any] = deliveries[0]
    assert len(delivery["attempts"]) == 1
    return delivery


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/hang", None, f"no complete answer within {TIMEOUT:g} s"),
        ("/huge", 200, f"answer longer than {MAX_RESPONSE} bytes"),
        ("/redirect", 302, None),
        ("/close", 200, "answer cut short: the connection closed after 2 of 100 body bytes"),
        ("/slow", None, f"no complete answer within {TIMEOUT:g} s"),
        ("/chunked", 200, f"answer longer than {MAX_RESPONSE} bytes"),
        ("/garbage", None, "not an HTTP answer: b'THIS IS NOT HTTP'"),
        ("/header", None, "answer headers longer than 65536 bytes"),
    ],
)
async def test_each_misbehaviour_is_recorded_as_a_failed_attempt(
    sandbox: Client, receiver: BadReceiver, path: str, status: int | None, error: str | None
) -> None:
    trade_no = "BAD" + path.strip("/").upper()
    await payout(sandbox, trade_no, receiver.url(path))
    delivery = await first_attempt(sandbox, trade_no)
    attempt = delivery["attempts"][0]
    assert (delivery["acknowledged"], delivery["gaveUp"], delivery["pending"]) == (
        False,
        True,
        False,
    )
    assert attempt["acknowledged"] is False
    assert attempt["responseStatus"] == status
    if error is None:
        assert attempt["error"] is None
    else:
        assert error in attempt["error"]
    assert len(attempt["responseBody"]) <= MAX_RESPONSE
    # Bounded by the per-attempt timeout (plus scheduling slack on a busy machine).
    assert attempt["latencyMs"] < TIMEOUT * 1000 + 1500


async def test_a_one_gigabyte_answer_is_not_read_past_the_limit(
    sandbox: Client, receiver: BadReceiver
) -> None:
    await payout(sandbox, "BADHUGE", receiver.url("/huge"))
    attempt = (await first_attempt(sandbox, "BADHUGE"))["attempts"][0]
    assert attempt["responseBody"] == "OK" * (MAX_RESPONSE // 2)
    assert attempt["responseTruncated"] is True
    # The sandbox hung up: the receiver managed to push only what the socket buffers hold.
    for _ in range(200):  # up to 10 s: the hang-up is quick, a busy machine is not
        if not receiver.tasks:
            break
        await asyncio.sleep(0.05)
    assert receiver.tasks == set()
    assert receiver.stats["huge"] < 64 * 1024 * 1024


async def test_the_sandbox_keeps_serving_while_receivers_misbehave(
    sandbox: Client, receiver: BadReceiver
) -> None:
    for path in BEHAVIOURS:
        for n in range(3):
            await payout(sandbox, f"MIX{path.strip('/').upper()}{n}", receiver.url(path))
    # Every misbehaving receiver has its callbacks now: they are in flight.
    in_flight = [path + ":requests" for path in BEHAVIOURS]
    for _ in range(200):
        if all(receiver.stats.get(key, 0) == 3 for key in in_flight):
            break
        await asyncio.sleep(0.05)
    started = time.perf_counter()
    for n in range(20):
        await payout(sandbox, f"GOOD{n}", "http://127.0.0.1:9/notify")
        health = await sandbox.get("/_sandbox/health")
        assert health.status == 200
    # A loop blocked by a bad receiver would take the 24 attempts' timeouts (12 s); a busy
    # machine takes a second or two.
    assert time.perf_counter() - started < 6.0
    for path in BEHAVIOURS:
        for n in range(3):
            delivery = await first_attempt(sandbox, f"MIX{path.strip('/').upper()}{n}")
            assert delivery["acknowledged"] is False
    # Every hanging connection was given up on; the receiver saw each callback once.
    for path in BEHAVIOURS:
        assert receiver.stats[path + ":requests"] == 3
