"""The live console: a line per gateway call and per callback attempt, as a user reads it."""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, SECRET, START, payout_body, signed
from vexora_sandbox import CallbackReceiver, Reply, SandboxConfig, create_app
from vexora_sandbox.console import MAX_BATCHES, Writer, attach, public_url, use_colour
from vexora_sandbox.domain.clock import ManualClock

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[web.Application], Awaitable[Client]]


@pytest.fixture(scope="module")
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver(secret=SECRET) as running:
        yield running


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/notify"


async def _run(
    aiohttp_client: MakeClient,
    steps: Callable[[Client], Awaitable[None]],
    *,
    fmt: str = "human",
    colour: bool = False,
    retries: tuple[float, ...] = (2.0,),
) -> list[str]:
    """Serve an app with the console on a StringIO, run ``steps``, stop; the lines printed."""
    out = io.StringIO()
    config = SandboxConfig(clock="manual", callback_retries=retries, callback_timeout=5)
    app = create_app(config, clock=ManualClock(START))
    attach(app, fmt=fmt, stream=out, colour=colour)
    client = await aiohttp_client(app)
    await steps(client)
    await client.close()  # stops the app: the console writes what is left
    return out.getvalue().splitlines()


async def _payout(client: Client, secret: str = SECRET, **fields: Any) -> dict[str, Any]:
    response = await client.post(
        "/v1/vexora/disbursements",
        json=signed(payout_body(**fields), secret),
        headers={"merchantNo": MERCHANT_NO},
    )
    answer: dict[str, Any] = await response.json()
    return answer


async def _advance(client: Client, seconds: float) -> None:
    response = await client.post("/_sandbox/clock/advance", json={"seconds": seconds})
    assert response.status == 200, await response.text()


async def test_a_payout_and_its_acknowledged_callback_each_print_one_line(
    aiohttp_client: MakeClient, receiver: CallbackReceiver
) -> None:
    receiver.clear()
    receiver.reply(Reply())

    async def steps(client: Client) -> None:
        answer = await _payout(client, notifyUrl=receiver.url)
        assert answer["code"] == "0000"
        await _advance(client, 3)

    lines = await _run(aiohttp_client, steps)
    assert len(lines) == 2, lines
    call, attempt = lines
    assert " call 0000000001 disbursements T20261124000001 -> 0000 status " in call, call
    assert call.endswith(" ms)")
    assert (
        f' callback T20261124000001 status 0000 #1 -> {receiver.url}: HTTP 200 "OK"; acknowledged'
    ) in attempt, attempt


async def test_a_bad_sign_prints_the_message_and_the_base_never_the_secret(
    aiohttp_client: MakeClient,
) -> None:
    async def steps(client: Client) -> None:
        answer = await _payout(client, secret="not-the-secret")
        assert answer["code"] == "8000"

    lines = await _run(aiohttp_client, steps)
    assert len(lines) == 2, lines
    assert "-> 8000 sign error" in lines[0], lines
    assert lines[1].startswith("    sign base: accountNo=0000003100012345678901amount=250")
    assert lines[1].endswith("{secret}")
    assert SECRET not in "\n".join(lines)


async def test_a_callback_to_a_dead_port_prints_the_error_then_the_retry_then_giving_up(
    aiohttp_client: MakeClient,
) -> None:
    url = _dead_url()

    async def steps(client: Client) -> None:
        await _payout(client, notifyUrl=url)
        await _advance(client, 3)
        await _advance(client, 3)

    lines = await _run(aiohttp_client, steps)
    attempts = [line for line in lines if " callback " in line]
    assert len(attempts) == 2, lines
    assert f"#1 -> {url}: " in attempts[0]
    assert "refused" in attempts[0].lower(), attempts[0]
    assert "; retry at " in attempts[0]
    assert attempts[1].endswith("; gave up after 2 attempts"), attempts[1]


async def test_json_lines_carry_the_fields_a_log_collector_indexes(
    aiohttp_client: MakeClient, receiver: CallbackReceiver
) -> None:
    receiver.clear()
    receiver.reply(Reply(status=500, body="FAIL"))

    async def steps(client: Client) -> None:
        await _payout(client, notifyUrl=receiver.url)
        await _advance(client, 3)

    lines = await _run(aiohttp_client, steps, fmt="json")
    call, attempt = (json.loads(line) for line in lines)
    assert call["event"] == "call"
    assert call["time"] == int(START * 1000)
    assert (call["merchantNo"], call["endpoint"], call["tradeNo"]) == (
        MERCHANT_NO,
        "disbursements",
        "T20261124000001",
    )
    assert (call["httpStatus"], call["code"], call["error"]) == (200, "0000", None)
    assert call["durationMs"] >= 0
    assert attempt["event"] == "callback"
    assert (attempt["attempt"], attempt["httpStatus"], attempt["answer"]) == (1, 500, "FAIL")
    assert attempt["outcome"] == "retry"
    assert attempt["nextAttemptAt"] == int((START + 2 + 2) * 1000)
    assert "body" not in call and "sign" not in json.dumps(call)


async def test_colours_only_when_asked(aiohttp_client: MakeClient) -> None:
    async def steps(client: Client) -> None:
        await _payout(client, secret="wrong")

    coloured = await _run(aiohttp_client, steps, colour=True)
    assert "\033[31m8000 sign error" in coloured[0]
    plain = await _run(aiohttp_client, steps)
    assert "\033[" not in "\n".join(plain)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_needs_a_terminal_and_no_NO_COLOR() -> None:
    assert use_colour(_Tty(), {}) is True
    assert use_colour(_Tty(), {"NO_COLOR": "1"}) is False
    assert use_colour(_Tty(), {"NO_COLOR": ""}) is True  # https://no-color.org: non-empty
    assert use_colour(io.StringIO(), {}) is False


def test_a_notify_url_is_printed_without_its_user_and_password() -> None:
    assert public_url("https://shop:s3cret@example.com/cb?x=1") == "https://example.com/cb?x=1"
    assert public_url("http://127.0.0.1:9000/notify") == "http://127.0.0.1:9000/notify"


class _Stuck(io.StringIO):
    """A terminal that stops reading: every write waits until released."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def write(self, text: str) -> int:
        self.release.wait(10)
        return super().write(text)


async def test_a_stuck_terminal_never_blocks_the_loop_lines_are_dropped_and_counted() -> None:
    stream = _Stuck()
    writer = Writer(stream, flush_seconds=60)
    for i in range(MAX_BATCHES + 10):
        writer.line(f"line {i}")
        writer.flush()  # each flush hands one batch to the thread and returns at once
    assert writer.dropped >= 9
    stream.release.set()
    writer.line("after")
    writer.close()
    text = stream.getvalue()
    assert "lines dropped]\n" in text
    assert text.endswith("after\n")


async def test_a_value_cannot_send_escape_sequences_to_the_terminal(
    aiohttp_client: MakeClient, receiver: CallbackReceiver
) -> None:
    receiver.clear()
    receiver.reply(Reply())
    hostile = "T1\x1b[2J\x1b]0;owned\x07\u202e"

    async def steps(client: Client) -> None:
        await _payout(client, tradeNo=hostile, notifyUrl=receiver.url)
        await _advance(client, 3)

    lines = await _run(aiohttp_client, steps)
    text = "\n".join(lines)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "T1\\x1b[2J\\x1b]0;owned\\x07\\u202e" in lines[0], lines
