"""The callback's body: its exact fields, every value a JSON string, the sign, the notifyUrl
exactly as given, remark present or absent, and the Content-Type."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.callbacks.conftest import Client, Pay, journal
from tests.conftest import MERCHANT_NO, SECRET, START, TEST_SCENARIOS
from vexora_sandbox import SandboxConfig, keys, verify
from vexora_sandbox.protocol.signing import canonical_string
from vexora_sandbox.testing import CallbackReceiver

AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]


def no_numbers(raw: bytes) -> dict[str, Any]:
    """Parse JSON, failing on any number, boolean or null value."""

    def refuse(text: str) -> Any:
        raise AssertionError(f"a JSON number in the callback: {text}")

    body: dict[str, Any] = json.loads(raw, parse_int=refuse, parse_float=refuse)
    assert all(isinstance(v, str) for v in body.values()), body
    return body


async def test_the_default_success_callback_field_by_field(
    client: Client, pay: Pay, receiver: CallbackReceiver
) -> None:
    await pay(tradeNo="T20261124000001")
    await client.app[keys.DISPATCHER].advance(2)
    callback = receiver.wait_for("T20261124000001", timeout=2)
    body = no_numbers(callback.raw)
    order = client.app[keys.STORE].order(MERCHANT_NO, "T20261124000001")
    assert body == {
        "platFormTradeNo": order.platform_trade_no,
        "tradeNo": "T20261124000001",
        "amount": "250",
        "status": "0000",
        "message": "SUCCESS",
        "successTime": "2025-11-24 13:00:02",
        "timestamp": str(int(START * 1000) + 2000),
        "remark": "order-42",
        "sign": body["sign"],
    }
    assert verify(body, SECRET)
    assert canonical_string(body) == (
        f"amount=250message=SUCCESSplatFormTradeNo={order.platform_trade_no}remark=order-42"
        f"status=0000successTime=2025-11-24 13:00:02timestamp={int(START * 1000) + 2000}"
        "tradeNo=T20261124000001"
    )
    assert callback.sign_valid is True


async def test_it_is_posted_as_application_json(
    client: Client, pay: Pay, receiver: CallbackReceiver
) -> None:
    await pay()
    await client.app[keys.DISPATCHER].advance(2)
    callback = receiver.wait_for(timeout=2)
    assert callback.headers["Content-Type"] == "application/json"
    assert callback.path == "/notify"
    # What the journal says was sent is what arrived.
    (delivery,) = await journal(client)
    assert delivery["body"] == json.loads(callback.raw)
    assert delivery["url"] == receiver.url


async def test_the_amount_is_the_text_the_merchant_sent(
    client: Client, pay: Pay, receiver: CallbackReceiver, gateway: Any
) -> None:
    await pay(tradeNo="T1", amount="300")
    await client.app[keys.DISPATCHER].advance(2)
    assert receiver.wait_for("T1", timeout=2).body["amount"] == "300"


async def test_remark_is_sent_when_the_order_had_one(
    client: Client, pay: Pay, receiver: CallbackReceiver
) -> None:
    await pay(tradeNo="WITH", remark="order-42")
    await pay(tradeNo="WITHOUT", remark=...)
    await pay(tradeNo="EMPTY", remark="")
    await client.app[keys.DISPATCHER].advance(2)
    assert receiver.wait_for("WITH", timeout=2).body["remark"] == "order-42"
    for trade_no in ("WITHOUT", "EMPTY"):
        callback = receiver.wait_for(trade_no, timeout=2)
        assert "remark" not in callback.body
        assert callback.sign_valid is True


@pytest.mark.parametrize(
    "query",
    [
        "?merchant=42",
        "?merchant=42&order=a%20b&order=c",
        "?token=a%2Fb%3Dc%7E%41&next=%2Fback%3Fx%3D1",
    ],
)
async def test_the_notify_url_is_used_exactly_as_given(
    client: Client, pay: Pay, aiohttp_server: AiohttpServer, query: str
) -> None:
    seen: list[str] = []

    async def notify(request: web.Request) -> web.Response:
        seen.append(request.raw_path)
        return web.Response(text="OK")

    merchant = web.Application()
    merchant.router.add_post("/cb/notify", notify)
    server = await aiohttp_server(merchant)
    url = f"http://127.0.0.1:{server.port}/cb/notify{query}"
    await pay(notifyUrl=url)
    await client.app[keys.DISPATCHER].advance(2)
    assert seen == [f"/cb/notify{query}"]
    (delivery,) = await journal(client)
    assert delivery["url"] == url
    assert delivery["acknowledged"] is True


async def test_a_failure_callback_has_no_success_time(
    client: Client, pay: Pay, receiver: CallbackReceiver
) -> None:
    await pay(tradeNo="T1", accountNo="8801234990029")  # scenario payout-rejected
    await client.app[keys.DISPATCHER].advance(3)
    body = no_numbers(receiver.wait_for("T1", timeout=2).raw)
    assert (body["status"], body["message"]) == ("00029", "REJECTED_TRANSACTION")
    assert "successTime" not in body
    assert verify(body, SECRET)


async def test_a_stale_processing_callback_has_no_success_time(
    client: Client, pay: Pay, receiver: CallbackReceiver
) -> None:
    await pay(tradeNo="T1", accountNo="8801234990016")  # scenario callback-stale-after-final
    await client.app[keys.DISPATCHER].advance(4)
    first, stale = receiver.matching("T1")
    assert first.body["successTime"] == "2025-11-24 13:00:02"
    assert (stale.status, stale.body["message"]) == ("0015", "Processing")
    assert "successTime" not in stale.body


SCENARIO = """\
- name: custom
  match: {account: {suffix: "777"}}
  callbacks:
    - {after: 1s, status: "60019"}
    - {after: 2s, status: "0000", amount: 99.50, message: Paid, sign: invalid}
    - {after: 3s, status: "0000", sign: missing}
"""


@pytest.fixture
def config(tmp_path: Path) -> SandboxConfig:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO, "utf-8")
    for file in Path(TEST_SCENARIOS).glob("*.yaml"):
        (tmp_path / file.name).write_text(file.read_text("utf-8"), "utf-8")
    return SandboxConfig(scenarios=str(tmp_path))


async def test_scenario_message_amount_and_sign_modes(
    client: Client, pay: Pay, receiver: CallbackReceiver
) -> None:
    await pay(tradeNo="T1", accountNo="880000000777")
    await client.app[keys.DISPATCHER].advance(3)
    failed, paid, unsigned = receiver.matching("T1")
    # A status without a message carries the gateway's text for it.
    assert (failed.status, failed.body["message"], failed.sign_valid) == (
        "60019",
        "INSUFFICIENT_FUNDS",
        True,
    )
    assert (paid.body["amount"], paid.body["message"]) == ("99.50", "Paid")
    assert paid.body["sign"] != "" and paid.sign_valid is False
    assert "sign" not in unsigned.body
    for callback in (failed, paid, unsigned):
        no_numbers(callback.raw)


async def test_a_notify_url_not_yet_encoded_is_encoded_once(
    client: Client, pay: Pay, aiohttp_server: AiohttpServer
) -> None:
    seen: list[str] = []

    async def notify(request: web.Request) -> web.Response:
        seen.append(request.raw_path)
        return web.Response(text="OK")

    merchant = web.Application()
    merchant.router.add_post("/cb/notify", notify)
    server = await aiohttp_server(merchant)
    await pay(notifyUrl=f"http://127.0.0.1:{server.port}/cb/notify?name=García&n=1%2F2")
    await client.app[keys.DISPATCHER].advance(2)
    assert seen == ["/cb/notify?name=Garc%C3%ADa&n=1/2"]
