"""Card payments: the JCB Direct Deposit of https://docs.vexora.com/guide/areas/card/payment2/
with its 3DS / OTP step ("the system returns paymentInfo, and the merchant front end must
redirect the user to that URL"), and without it the ordinary pay-in path."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, SECRET
from tests.payins.conftest import NOW_MS, TIMESTAMP, failed
from vexora_sandbox import SandboxConfig, keys, verify
from vexora_sandbox.scenarios.registry import shipped_scenarios
from vexora_sandbox.testing import CallbackReceiver

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Advance = Callable[[float], Awaitable[int]]
Client = TestClient[web.Request, web.Application]


@pytest.fixture
def config() -> SandboxConfig:
    # The 3DS step is the shipped card-3ds scenario (scenarios/card.yaml): this module runs
    # on the shipped set, not on the tests' own.
    return SandboxConfig(scenarios=str(shipped_scenarios()))


def card_body(notify_url: str, **changes: Any) -> dict[str, Any]:
    """A Direct Deposit body with every field of the page's table (its example is cut
    from the stored copy of the page)."""
    body: dict[str, Any] = {
        "timestamp": TIMESTAMP,
        "tradeNo": "C20261124000001",
        "amount": "5000.50",
        "currency": "JPY",
        "name": "Taro Yamada",
        "mobile": "819012345678",
        "email": "taro.yamada@example.com",
        "userId": "user-0001",
        "cardData": "c2FuZGJveC1lbmNyeXB0ZWQtY2FyZA==",
        "notifyUrl": notify_url,
        "remark": "order-42",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


async def query(gateway: Gateway, trade_no: str) -> dict[str, Any]:
    body = {"tradeNo": trade_no, "timestamp": TIMESTAMP}
    _, answer = await gateway("queryPayInResult", body, prefix="/card")
    assert answer["code"] == "0000", answer
    data: dict[str, Any] = answer["data"]
    return data


async def test_without_3ds_the_answer_has_no_payment_info_and_the_payment_succeeds(
    gateway: Gateway, advance: Advance, receiver: CallbackReceiver
) -> None:
    status, answer = await gateway("deposits", card_body(receiver.url), prefix="/card")
    assert status == 200
    data = answer.pop("data")
    assert answer == {"msg": "success", "code": "0000", "timestamp": NOW_MS, "success": True}
    assert "paymentInfo" not in data
    assert (data["tradeNo"], data["status"], data["remark"]) == (
        "C20261124000001",
        "0015",
        "order-42",
    )
    await advance(2)
    callback = receiver.wait_for("C20261124000001", "0000", timeout=5)
    assert callback.sign_valid
    assert callback.body["amount"] == "5000.50"
    queried = await query(gateway, "C20261124000001")
    assert (queried["status"], queried["amount"]) == ("0000", "5000.50")


async def test_3ds_answers_payment_info_and_waits_for_the_cardholder(
    gateway: Gateway,
    advance: Advance,
    receiver: CallbackReceiver,
    client: Client,
    app: web.Application,
) -> None:
    body = card_body(receiver.url, amount="1903")
    _, answer = await gateway("deposits", body, prefix="/card")
    assert answer["code"] == "0000", answer
    data = answer["data"]
    number = data["platFormTradeNo"]
    page = f"http://{client.host}:{client.port}/_sandbox/pay/{MERCHANT_NO}/{number}"
    assert data["paymentInfo"] == page
    assert data["status"] == "0015"
    # Nothing happens until the cardholder verifies: no callback, the query says 0015.
    await advance(30 * 60)
    assert receiver.matching("C20261124000001") == []
    assert (await query(gateway, "C20261124000001"))["status"] == "0015"
    path = page[page.index("/_sandbox/") :]
    shown = await (await client.get(path)).text()
    assert "<h1>Vexora sandbox card verification</h1>" in shown
    assert 'id="pay-full" name="action" value="full">Verify and pay</button>' in shown
    assert 'id="pay-part"' not in shown  # a card is charged in full or not at all
    response = await client.post(path, data={"action": "full"}, allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, f"{path}?done=full")
    callback = await receiver.await_for("C20261124000001", "0000", timeout=5)
    assert callback.sign_valid and verify(callback.body, SECRET)
    assert (callback.body["amount"], callback.body["remark"]) == ("1903", "order-42")
    queried = await query(gateway, "C20261124000001")
    assert (queried["status"], queried["amount"]) == ("0000", "1903")
    assert app[keys.STORE].order(MERCHANT_NO, "C20261124000001").paid_amount is None


async def test_a_failed_verification_fails_the_payment(
    gateway: Gateway, receiver: CallbackReceiver, client: Client
) -> None:
    body = card_body(receiver.url, amount="10903.00")
    _, answer = await gateway("deposits", body, prefix="/card")
    info = answer["data"]["paymentInfo"]
    path = info[info.index("/_sandbox/") :]
    partial = await client.post(path, data={"action": "partial", "amount": "5"})
    assert partial.status == 400
    assert "A card payment is paid in full or fails." in await partial.text()
    await client.post(path, data={"action": "fail"}, allow_redirects=False)
    callback = await receiver.await_for("C20261124000001", "00029", timeout=5)
    assert callback.sign_valid
    assert (await query(gateway, "C20261124000001"))["status"] == "00029"


async def test_only_the_card_area_s_903_is_3ds(gateway: Gateway) -> None:
    # 1903.50 is an ordinary amount (a fraction other than .00), as for every pay-in.
    _, answer = await gateway(
        "deposits", card_body("http://127.0.0.1:9/n", amount="1903.50"), prefix="/card"
    )
    assert "paymentInfo" not in answer["data"]
    # Other areas' deposits always carry paymentInfo, 903 or not.
    kenya = {
        "timestamp": TIMESTAMP,
        "tradeNo": "K1",
        "amount": "1903",
        "mobile": "254712345678",
        "notifyUrl": "http://127.0.0.1:9/n",
    }
    _, other = await gateway("deposits", kenya, prefix="/kenya")
    assert other["code"] == "0000", other
    assert other["data"]["paymentInfo"] == other["data"]["paymentUrl"]


async def test_the_card_fields_follow_the_page(gateway: Gateway) -> None:
    cases = {
        "currency": ("USD", 'currency must be one of JPY; got "USD"'),
        "cardData": (..., "cardData is required but missing"),
        "amount": ("100.505", 'amount must have at most 2 decimal places; got "100.505"'),
        "mobile": (
            "090-1234-5678",
            "mobile must be a mobile number in digits, with or without the country code "
            '(e.g. 819012345678); got "090-1234-5678" (13 characters)',
        ),
        "name": ("", "name is required but empty"),
    }
    for name, (value, message) in cases.items():
        body = card_body("http://127.0.0.1:9/n", **{name: value})
        _, answer = await gateway("deposits", body, prefix="/card")
        assert answer == failed(message), name
    # Both forms of the mobile number: with and without the country code.
    for index, mobile in enumerate(("09012345678", "+819012345678")):
        body = card_body("http://127.0.0.1:9/n", mobile=mobile, tradeNo=f"M{index}")
        assert (await gateway("deposits", body, prefix="/card"))[1]["code"] == "0000"


async def test_card_offers_no_payout_and_card_usd_takes_the_checkout(gateway: Gateway) -> None:
    _, payout = await gateway("disbursements", {"timestamp": TIMESTAMP}, prefix="/card")
    assert payout["msg"] == "the card area does not offer disbursements"
    checkout = {
        "timestamp": TIMESTAMP,
        "tradeNo": "V1",
        "amount": "300.00",
        "mobile": "918234567890",
        "email": "payer@example.com",
        "userId": "Test",
        "currency": "USD",
        "notifyUrl": "https://merchant.example/notify",
        "returnUrl": "https://merchant.example/return",
    }
    _, answer = await gateway("checkout", checkout, prefix="/card-usd")
    assert answer["code"] == "0000", answer
    _, jpy = await gateway("checkout", {**checkout, "currency": "JPY"}, prefix="/card-usd")
    assert jpy == failed('currency must be one of USD; got "JPY"')
