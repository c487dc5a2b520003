"""The order page's "Pay again" (Australia, Mexico): the payer pays a paid order again."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from tests.conftest import MERCHANT_NO, signed
from tests.dashboard.conftest import UI, Client, csrf_of, page
from tests.payins.conftest import payin_body
from vexora_sandbox import CallbackReceiver

TRADE_NO = "P20261124000001"
HERE = f"{UI}/orders/{MERCHANT_NO}/{TRADE_NO}"


async def checkout(client: Client, area: str, receiver: CallbackReceiver) -> None:
    response = await client.post(
        f"/{area}/v1/vexora/checkout",
        json=signed(payin_body(area, notify_url=receiver.url)),
        headers={"merchantNo": MERCHANT_NO},
    )
    assert (await response.json())["code"] == "0000"
    paid = await client.post(f"/_sandbox/transactions/{TRADE_NO}/payments", json={})
    assert paid.status == 200


async def press(client: Client, amount: str) -> str:
    form: dict[str, Any] = {
        "csrf": csrf_of(await page(client, "/calls")),
        "next": HERE,
        "merchantNo": MERCHANT_NO,
        "tradeNo": TRADE_NO,
        "amount": amount,
    }
    response = await client.post(f"{UI}/actions/pay-again", data=form, allow_redirects=False)
    assert response.status == 303
    return unquote(response.headers["Location"])


async def test_pay_again_on_a_paid_mexico_order(client: Client, receiver: CallbackReceiver) -> None:
    await checkout(client, "mexico", receiver)
    text = await page(client, f"/orders/{MERCHANT_NO}/{TRADE_NO}")
    assert 'id="pay-again"' in text and 'id="repeats"' not in text
    # #1: the scenario's callback the payer overtook; #2: the first payment's.
    assert await press(client, "120") == f"{HERE}?done=Paid 120 again; callback #3 sent."
    await client.post("/_sandbox/clock/advance", json={"seconds": 0})
    first, again = receiver.received
    assert (first.body["amount"], again.body["amount"], again.status) == ("1000", "120", "0000")
    text = await page(client, f"/orders/{MERCHANT_NO}/{TRADE_NO}")
    assert '<table id="repeats">' in text and "<td>120</td><td>0000</td>" in text


async def test_other_areas_have_no_pay_again_and_refuse_it(
    client: Client, receiver: CallbackReceiver
) -> None:
    await checkout(client, "kenya", receiver)
    text = await page(client, f"/orders/{MERCHANT_NO}/{TRADE_NO}")
    assert 'id="pay-again"' not in text
    assert await press(client, "") == (
        f"{HERE}?done=Not paid again: this payment is already final (0000 SUCCESS): the "
        "kenya area takes one payment per order; only australia and mexico record repeated "
        "payments (their paymentQuery pages)."
    )
