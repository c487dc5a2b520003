"""POST /v1/vexora/checkout: the accepted answer, its payment link, its callback, its errors."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, SECRET, TEST_SCENARIOS, signed
from tests.payins.conftest import NOW_MS, TIMESTAMP, failed, payin_body
from vexora_sandbox import SandboxConfig, keys, sign
from vexora_sandbox.testing import CallbackReceiver

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Advance = Callable[[float], Awaitable[int]]
Client = TestClient[web.Request, web.Application]

BUILT_IN = (
    "; this sandbox serves 0000000001 (the built-in merchant; configure yours with "
    "--config FILE, or add one with POST /_sandbox/merchants)"
)


async def test_a_checkout_is_accepted_with_a_payment_link(gateway: Gateway, client: Client) -> None:
    status, answer = await gateway("checkout", payin_body("indonesia"), prefix="/indonesia")
    assert status == 200
    data = answer.pop("data")
    assert answer == {"msg": "success", "code": "0000", "timestamp": NOW_MS, "success": True}
    number = data["platFormTradeNo"]
    assert number.startswith("VXP")
    url = f"http://{client.host}:{client.port}/_sandbox/pay/{MERCHANT_NO}/{number}"
    assert data == {
        "tradeNo": "P20261124000001",
        "platFormTradeNo": number,
        "status": "0015",
        "desc": "Paying",
        "remark": "order-42",
        "paymentUrl": url,
        "paymentLink": url,
    }


async def test_the_payment_link_serves_the_page(gateway: Gateway, client: Client) -> None:
    _, answer = await gateway("checkout", payin_body("thailand"), prefix="/thailand")
    response = await client.get(answer["data"]["paymentUrl"].split(str(client.port), 1)[1])
    assert response.status == 200
    assert response.content_type == "text/html"
    assert "P20261124000001" in await response.text()


@pytest.mark.parametrize(
    "config", [SandboxConfig(scenarios=TEST_SCENARIOS, public_url="https://sandbox.example:8443/")]
)
async def test_public_url_is_the_payment_links_base(gateway: Gateway) -> None:
    _, answer = await gateway("checkout", payin_body("kenya"), prefix="/kenya")
    number = answer["data"]["platFormTradeNo"]
    expected = f"https://sandbox.example:8443/_sandbox/pay/{MERCHANT_NO}/{number}"
    assert answer["data"]["paymentUrl"] == answer["data"]["paymentLink"] == expected


async def test_the_order_is_a_payin_in_progress(gateway: Gateway, app: web.Application) -> None:
    await gateway("checkout", payin_body("india"), prefix="/india")
    order = app[keys.STORE].order(MERCHANT_NO, "P20261124000001")
    assert (order.kind.value, order.status, order.message, order.area) == (
        "payin",
        "0015",
        "Paying",
        "india",
    )


@pytest.mark.parametrize("remark", ["", "order-42", "备注 <b>&amp;"])
async def test_remark_is_echoed_as_sent(gateway: Gateway, remark: str) -> None:
    _, answer = await gateway("checkout", payin_body("kenya", remark=remark), prefix="/kenya")
    assert answer["data"]["remark"] == remark


async def test_the_callback_succeeds_after_two_seconds_with_the_method_codes(
    gateway: Gateway, advance: Advance, receiver: CallbackReceiver
) -> None:
    body = payin_body("cambodia", notify_url=receiver.url, channelCode="EWALLET", wayCode="ABA")
    _, answer = await gateway("checkout", body, prefix="/cambodia")
    await advance(1.9)
    assert receiver.received == []
    await advance(0.1)
    callback = receiver.wait_for("P20261124000001", "0000", timeout=5)
    assert callback.sign_valid
    assert callback.body == {
        "platFormTradeNo": answer["data"]["platFormTradeNo"],
        "tradeNo": "P20261124000001",
        "amount": "1000",
        "status": "0000",
        "message": "SUCCESS",
        "successTime": "2025-11-24 23:00:02",
        "timestamp": str(NOW_MS + 2000),
        "remark": "order-42",
        "channelCode": "EWALLET",
        "wayCode": "ABA",
        "sign": callback.body["sign"],
    }
    assert all(isinstance(v, str) for v in callback.body.values())


async def test_a_callback_without_method_codes_has_neither(
    gateway: Gateway, advance: Advance, receiver: CallbackReceiver
) -> None:
    await gateway("checkout", payin_body("kenya", notify_url=receiver.url), prefix="/kenya")
    await advance(2)
    body = receiver.wait_for("P20261124000001", timeout=5).body
    assert "channelCode" not in body and "wayCode" not in body


@pytest.mark.parametrize("amount", ["1000.50", "1000.5", "1000", "1000.00"])
async def test_answer_and_callback_echo_the_amount_text_as_sent(
    client: Client, advance: Advance, receiver: CallbackReceiver, amount: str
) -> None:
    body = payin_body("malaysia", notify_url=receiver.url, amount=...)
    fields = json.dumps(body)[1:-1]
    # A JSON number, sent as written: signed, answered and called back as that text.
    the_sign = sign({**body, "amount": amount}, SECRET)
    raw = f'{{{fields},"amount":{amount},"sign":"{the_sign}"}}'
    response = await client.post(
        "/malaysia/v1/vexora/checkout",
        data=raw.encode(),
        headers={"merchantNo": MERCHANT_NO, "Content-Type": "application/json"},
    )
    assert (await response.json())["code"] == "0000"
    await advance(2)
    callback = receiver.wait_for("P20261124000001", timeout=5)
    assert callback.body["amount"] == amount
    assert f'"amount":"{amount}"' in callback.raw.decode()


# --- errors --------------------------------------------------------------------------


async def test_a_field_rule_is_a_request_error_and_no_order(
    gateway: Gateway, app: web.Application
) -> None:
    body = payin_body("indonesia", mobile="0912345678")
    _, answer = await gateway("checkout", body, prefix="/indonesia")
    assert answer == failed(
        "mobile must be an Indonesian mobile number of 10-13 digits starting with 08 or 628 "
        '(e.g. 081234567890); got "0912345678" (10 digits)'
    )
    assert list(app[keys.STORE].orders()) == []


async def test_a_missing_amount_is_a_request_error(gateway: Gateway) -> None:
    _, answer = await gateway("checkout", payin_body("kenya", amount=...), prefix="/kenya")
    assert answer == failed("amount is required but missing")


async def test_a_repeated_trade_no_is_a_request_error(gateway: Gateway) -> None:
    await gateway("checkout", payin_body("kenya"), prefix="/kenya")
    _, answer = await gateway("checkout", payin_body("kenya"), prefix="/kenya")
    assert answer == failed("duplicate tradeNo: P20261124000001 was already used by this merchant")
    # Nothing moved: a pay-in changes the balance only once paid, a refused one never.
    _, balance = await gateway("queryBalance", {"timestamp": TIMESTAMP}, prefix="/kenya")
    assert balance["data"] == {
        "availableAmount": "100000000.00",
        "freezeAmount": "0.00",
        "unsettledAmount": "0.00",
    }


async def test_a_payout_trade_no_cannot_be_reused_for_a_checkout(gateway: Gateway) -> None:
    payout = payin_body("kenya", "disbursements", mobile="254712345678", amount="1000")
    assert (await gateway("disbursements", payout, prefix="/kenya"))[1]["code"] == "0000"
    _, answer = await gateway("checkout", payin_body("kenya"), prefix="/kenya")
    assert answer["msg"] == "duplicate tradeNo: P20261124000001 was already used by this merchant"
    # Only the payout's 1000 is frozen; the refused checkout left no trace.
    _, balance = await gateway("queryBalance", {"timestamp": TIMESTAMP}, prefix="/kenya")
    assert (balance["data"]["freezeAmount"], balance["data"]["unsettledAmount"]) == (
        "1000.00",
        "0.00",
    )


async def test_a_wrong_sign_is_a_request_error(client: Client) -> None:
    body = {**payin_body("kenya"), "sign": "0" * 32}
    response = await client.post(
        "/kenya/v1/vexora/checkout", json=body, headers={"merchantNo": MERCHANT_NO}
    )
    answer = await response.json()
    assert answer["code"] == "8000"
    assert answer["msg"].startswith("sign error: sign does not match")


async def test_an_unknown_merchant_is_a_request_error(gateway: Gateway) -> None:
    _, answer = await gateway(
        "checkout", payin_body("kenya"), prefix="/kenya", merchant_no="0000000099"
    )
    assert answer == failed("merchant '0000000099' does not exist" + BUILT_IN)


async def test_a_get_is_refused_in_the_envelope(client: Client) -> None:
    response = await client.get("/kenya/v1/vexora/checkout")
    answer = await response.json()
    assert (response.status, answer["code"]) == (405, "8000")


async def test_the_body_is_checked_before_the_scenario(gateway: Gateway) -> None:
    # A magic amount that the area's rules refuse never reaches its scenario.
    _, answer = await gateway(
        "checkout", payin_body("indonesia", amount="1980"), prefix="/indonesia"
    )
    assert answer == failed('amount must be at least 10000; got "1980"')


async def test_unsigned_bodies_are_refused(gateway: Gateway) -> None:
    _, answer = await gateway("checkout", payin_body("kenya"), prefix="/kenya", sign_it=False)
    assert answer["msg"] == "sign error: the sign field is missing"


def test_signed_helper_round_trips() -> None:
    body = payin_body("kenya")
    assert signed(body)["sign"] == sign(body, SECRET)
