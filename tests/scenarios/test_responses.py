"""What a scenario's ``response`` does to the answer and to the order.

``code`` decides whether the order exists (0000 and 5000 create it, 8000 refuses it);
``fault`` changes only what the merchant receives; ``delay`` is real time before the
answer; ``status``/``message`` set the order's state in the answer.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, START, payout_body, signed
from vexora_sandbox import SandboxConfig, create_app, keys
from vexora_sandbox.api import answer
from vexora_sandbox.domain.clock import ManualClock
from vexora_sandbox.testing import CallbackReceiver

Client = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[Client]]
NOW_MS = int(START * 1000)
BALANCE = 100_000_000


def scenario(response: str, callbacks: str = "[]") -> str:
    return (
        f"- name: under-test\n"
        f"  match: {{account: {{suffix: '777'}}}}\n"
        f"  response: {response}\n"
        f"  callbacks: {callbacks}\n"
    )


@pytest.fixture
def make_client(
    tmp_path: Path, aiohttp_client: AiohttpClient
) -> Callable[[str], Awaitable[Client]]:
    async def make(text: str) -> Client:
        path = tmp_path / "s.yaml"
        path.write_text(text, "utf-8")
        app = create_app(SandboxConfig(scenarios=str(path)), clock=ManualClock(START))
        return await aiohttp_client(app)

    return make


def body(receiver: CallbackReceiver | None = None, **fields: Any) -> dict[str, Any]:
    extra = {"notifyUrl": receiver.url} if receiver else {}
    return signed(payout_body(accountNo="880000000777", **extra, **fields))


async def post(client: Client, payload: dict[str, Any]) -> aiohttp.ClientResponse:
    return await client.post(
        "/v1/vexora/disbursements", json=payload, headers={"merchantNo": MERCHANT_NO}
    )


def order_exists(client: Client, trade_no: str = "T20261124000001") -> bool:
    return client.app[keys.STORE].has(MERCHANT_NO, trade_no)


def frozen(client: Client) -> int:
    return int(client.app[keys.STORE].ledger(MERCHANT_NO, "ARS").freeze)


async def raw_exchange(client: Client, payload: dict[str, Any], timeout: float = 5) -> bytes:
    """Send the call on a bare socket; the bytes received before the connection ended."""
    data = json.dumps(payload).encode()
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        b"POST /v1/vexora/disbursements HTTP/1.1\r\nHost: x\r\nmerchantNo: "
        + MERCHANT_NO.encode()
        + b"\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(data)).encode()
        + b"\r\n\r\n"
        + data
    )
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()


# --- code ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "msg", "created"),
    [
        ("0000", "success", True),
        ("5000", "system exception, please try again later", True),
        ("8000", "request failed", False),
    ],
)
async def test_code_decides_whether_the_order_exists(
    make_client: Callable[[str], Awaitable[Client]], code: str, msg: str, created: bool
) -> None:
    client = await make_client(scenario(f'{{code: "{code}"}}'))
    answer = await (await post(client, body())).json()
    assert (answer["code"], answer["msg"], answer["success"]) == (code, msg, code == "0000")
    assert order_exists(client) is created
    assert frozen(client) == (250 if created else 0)


async def test_msg_replaces_the_default_text(
    make_client: Callable[[str], Awaitable[Client]],
) -> None:
    client = await make_client(scenario('{code: "5000", msg: "busy, try later"}'))
    answer = await (await post(client, body())).json()
    assert answer == {
        "msg": "busy, try later",
        "code": "5000",
        "timestamp": NOW_MS,
        "success": False,
        "data": None,
    }


async def test_a_final_status_in_the_answer_is_the_orders_status(
    make_client: Callable[[str], Awaitable[Client]],
) -> None:
    client = await make_client(scenario('{status: "00029", message: ACCOUNT_CLOSED}'))
    answer = await (await post(client, body())).json()
    assert (answer["data"]["status"], answer["data"]["message"]) == ("00029", "ACCOUNT_CLOSED")
    order = client.app[keys.STORE].order(MERCHANT_NO, "T20261124000001")
    assert (order.status, order.message) == ("00029", "ACCOUNT_CLOSED")
    assert frozen(client) == 0  # a failed payout returns its amount at once
    assert client.app[keys.STORE].ledger(MERCHANT_NO, "ARS").available == BALANCE


async def test_a_message_alone_changes_the_processing_text(
    make_client: Callable[[str], Awaitable[Client]],
) -> None:
    client = await make_client(scenario("{message: Queued at the bank}"))
    answer = await (await post(client, body())).json()
    assert (answer["data"]["status"], answer["data"]["message"]) == ("0015", "Queued at the bank")


# --- faults ----------------------------------------------------------------------------


async def test_http_500_is_an_html_page_and_the_order_exists(
    make_client: Callable[[str], Awaitable[Client]],
) -> None:
    client = await make_client(scenario("{fault: http_500}"))
    response = await post(client, body())
    assert (response.status, response.content_type) == (500, "text/html")
    # A real HTML error page, as a proxy in front of a failing gateway sends.
    text = await response.text()
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert "<title>500 Internal Server Error</title>" in text
    assert order_exists(client)


async def test_malformed_json_is_cut_off_json_and_the_order_exists(
    make_client: Callable[[str], Awaitable[Client]],
) -> None:
    client = await make_client(scenario("{fault: malformed_json}"))
    response = await post(client, body())
    assert (response.status, response.content_type) == (200, "application/json")
    assert await response.read() == b'{"msg":"success","code":"0000","data":{'
    assert order_exists(client)


async def test_empty_body_is_200_with_nothing_and_the_order_exists(
    make_client: Callable[[str], Awaitable[Client]],
) -> None:
    client = await make_client(scenario("{fault: empty_body}"))
    response = await post(client, body())
    assert response.status == 200
    assert await response.read() == b""
    assert order_exists(client)


async def test_connection_reset_is_a_tcp_reset_and_the_order_exists(
    make_client: Callable[[str], Awaitable[Client]],
) -> None:
    client = await make_client(scenario("{fault: connection_reset}"))
    with pytest.raises(ConnectionResetError):
        await raw_exchange(client, body())
    assert order_exists(client)
    with pytest.raises(aiohttp.ClientConnectionError):
        await post(client, body(tradeNo="T2"))
    assert order_exists(client, "T2")


async def test_timeout_never_answers_and_the_order_exists(
    make_client: Callable[[str], Awaitable[Client]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answer, "HANG_SECONDS", 0.5)
    client = await make_client(scenario("{fault: timeout}"))
    with pytest.raises(asyncio.TimeoutError):
        await client.post(
            "/v1/vexora/disbursements",
            json=body(),
            headers={"merchantNo": MERCHANT_NO},
            timeout=aiohttp.ClientTimeout(total=0.2),
        )
    assert order_exists(client)
    # After HANG_SECONDS the connection is closed with no answer at all.
    started = time.monotonic()
    assert await raw_exchange(client, body(tradeNo="T2")) == b""
    assert 0.4 < time.monotonic() - started < 3
    assert order_exists(client, "T2")


async def test_a_fault_does_not_stop_the_callbacks(
    make_client: Callable[[str], Awaitable[Client]], receiver: CallbackReceiver
) -> None:
    client = await make_client(
        scenario('{code: "5000", fault: empty_body}', '[{after: 1s, status: "0000"}]')
    )
    assert (await post(client, body(receiver))).status == 200
    await client.app[keys.DISPATCHER].advance(1)
    callback = await receiver.await_for("T20261124000001", timeout=2)
    assert (callback.status, callback.body["message"]) == ("0000", "SUCCESS")


@pytest.mark.parametrize("fault", ["http_500", "empty_body"])
async def test_a_fault_with_code_8000_sends_the_fault_and_creates_nothing(
    make_client: Callable[[str], Awaitable[Client]], fault: str
) -> None:
    client = await make_client(scenario(f'{{code: "8000", fault: {fault}}}'))
    response = await post(client, body())
    assert order_exists(client) is False
    if fault == "http_500":
        assert response.status == 500
    else:
        assert await response.read() == b""


# --- delay -----------------------------------------------------------------------------


async def test_delay_is_real_time_before_the_answer(
    make_client: Callable[[str], Awaitable[Client]],
) -> None:
    client = await make_client(scenario("{delay: 300ms}"))
    started = time.monotonic()
    answer = await (await post(client, body())).json()
    assert time.monotonic() - started >= 0.3
    assert answer["code"] == "0000"
    # Business time did not move: the manual clock is where it was.
    assert client.app[keys.CLOCK].now() == START


async def test_delay_is_not_scaled_by_time_scale(
    tmp_path: Path, aiohttp_client: AiohttpClient
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(scenario("{delay: 300ms}"), "utf-8")
    app = create_app(SandboxConfig(scenarios=str(path), time_scale=0.001))
    client = await aiohttp_client(app)
    started = time.monotonic()
    await post(client, body())
    assert time.monotonic() - started >= 0.3


async def test_a_delayed_answer_already_created_the_order(
    make_client: Callable[[str], Awaitable[Client]],
) -> None:
    client = await make_client(scenario("{delay: 2s}"))
    call = asyncio.create_task(post(client, body()))
    for _ in range(1000):  # until the order exists (at most 5 s)
        if order_exists(client):
            break
        await asyncio.sleep(0.005)
    assert order_exists(client)
    assert not call.done(), "the order must exist while its answer is still delayed"
    await call
