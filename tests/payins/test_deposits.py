"""POST /v1/vexora/deposits: the checkout's answer plus paymentInfo and serialNumber."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, TEST_SCENARIOS
from tests.payins.conftest import NOW_MS, failed, payin_body
from vexora_sandbox import SandboxConfig, keys
from vexora_sandbox.testing import CallbackReceiver

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Advance = Callable[[float], Awaitable[int]]
Client = TestClient[web.Request, web.Application]


async def test_a_deposit_answers_like_a_checkout_plus_its_extras(
    gateway: Gateway, client: Client, app: web.Application
) -> None:
    body = payin_body("indonesia", "deposits", channelCode="VA", wayCode="BCA")
    status, answer = await gateway("deposits", body, prefix="/indonesia")
    assert status == 200
    data = answer.pop("data")
    assert answer == {"msg": "success", "code": "0000", "timestamp": NOW_MS, "success": True}
    number = data["platFormTradeNo"]
    url = f"http://{client.host}:{client.port}/_sandbox/pay/{MERCHANT_NO}/{number}"
    serial = data["serialNumber"]
    assert data == {
        "tradeNo": "P20261124000001",
        "platFormTradeNo": number,
        "status": "0015",
        "desc": "Paying",
        "remark": "order-42",
        "paymentUrl": url,
        "paymentLink": url,
        "paymentInfo": url,
        "serialNumber": serial,
    }
    assert serial.startswith("SN") and len(serial) == 20 and serial.isalnum()
    order = app[keys.STORE].order(MERCHANT_NO, "P20261124000001")
    assert order.extras["serialNumber"] == serial
    assert (order.extras["channelCode"], order.extras["wayCode"]) == ("VA", "BCA")


async def test_serial_numbers_differ(gateway: Gateway) -> None:
    serials = set()
    for i in range(3):
        body = payin_body("kenya", "deposits", tradeNo=f"P{i}")
        serials.add((await gateway("deposits", body, prefix="/kenya"))[1]["data"]["serialNumber"])
    assert len(serials) == 3


@pytest.mark.parametrize("config", [SandboxConfig(scenarios=TEST_SCENARIOS, seed=7)])
async def test_a_seed_makes_the_serial_number_reproducible(
    gateway: Gateway, client: Client
) -> None:
    _, first = await gateway("deposits", payin_body("kenya", "deposits"), prefix="/kenya")
    await client.post("/_sandbox/reset")
    _, again = await gateway("deposits", payin_body("kenya", "deposits"), prefix="/kenya")
    assert first["data"]["serialNumber"] == again["data"]["serialNumber"]
    assert first["data"]["platFormTradeNo"] == again["data"]["platFormTradeNo"]


async def test_a_deposit_succeeds_by_callback_with_its_method_codes(
    gateway: Gateway, advance: Advance, receiver: CallbackReceiver
) -> None:
    body = payin_body(
        "indonesia", "deposits", notify_url=receiver.url, channelCode="EWALLET", wayCode="DANA"
    )
    await gateway("deposits", body, prefix="/indonesia")
    await advance(2)
    callback = receiver.wait_for("P20261124000001", "0000", timeout=5)
    assert callback.sign_valid
    assert (callback.body["channelCode"], callback.body["wayCode"]) == ("EWALLET", "DANA")
    assert callback.body["amount"] == "10000"


async def test_a_deposit_field_rule_is_a_request_error(gateway: Gateway) -> None:
    body = payin_body("japan", "deposits", channelCode="EWALLET")
    _, answer = await gateway("deposits", body, prefix="/japan")
    assert answer == failed('channelCode must be one of NET_BANKING; got "EWALLET"')


async def test_a_deposit_trade_no_is_unique_with_checkouts(gateway: Gateway) -> None:
    await gateway("checkout", payin_body("kenya"), prefix="/kenya")
    _, answer = await gateway("deposits", payin_body("kenya", "deposits"), prefix="/kenya")
    assert answer == failed("duplicate tradeNo: P20261124000001 was already used by this merchant")
