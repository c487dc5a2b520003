"""The answers each area's pages show: query amounts and their JSON types, successTime in
local time, balances per currency and typed as the balance pages show them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, SECRET, START, signed
from tests.payins.conftest import TIMESTAMP, amount_for, payin_body
from vexora_sandbox import keys
from vexora_sandbox.domain.clock import IdFactory, ManualClock
from vexora_sandbox.domain.orders import FAILED, PARTIAL, SUCCESS, OrderKind
from vexora_sandbox.domain.payments import Payments
from vexora_sandbox.domain.store import Merchant, Store
from vexora_sandbox.protocol import wire
from vexora_sandbox.protocol.shapes import SHAPES, local_time

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Advance = Callable[[float], Awaitable[int]]
Client = TestClient[web.Request, web.Application]


async def raw_call(client: Client, area: str, endpoint: str, body: dict[str, Any]) -> str:
    """The answer's text: JSON number formatting (9998989.1200) is only visible there."""
    response = await client.post(
        f"/{area}/v1/vexora/{endpoint}", json=signed(body), headers={"merchantNo": MERCHANT_NO}
    )
    return await response.text()


async def query(gateway: Gateway, area: str, endpoint: str = "queryPayInResult") -> Any:
    # The paymentQuery pages' own example body (re-signed with the sandbox's secret).
    body = {"timestamp": "1728613488294", "tradeNo": "P20261124000001"}
    _, answer = await gateway(endpoint, body, prefix=f"/{area}")
    assert answer["code"] == "0000", answer
    return answer["data"]


# --- queryPayInResult ------------------------------------------------------------------


async def test_mexico_a_partial_payment_keeps_the_order_amount(
    gateway: Gateway, advance: Advance
) -> None:
    # https://docs.vexora.com/guide/areas/mexico/paymentQuery/: amount is the "original order
    # amount ... unchanged regardless of subsequent payment activities", receivedAmount
    # the first payment, paymentList the payments.
    await gateway("checkout", payin_body("mexico", ending="901"), prefix="/mexico")
    before = await query(gateway, "mexico")
    assert (before["amount"], before["receivedAmount"], before["paymentList"]) == ("1901", "0", [])
    await advance(2)
    data = await query(gateway, "mexico")
    assert data == {
        "tradeNo": "P20261124000001",
        "platFormTradeNo": data["platFormTradeNo"],
        "amount": "1901",
        "receivedAmount": "950",
        "paymentList": [{"amount": "950", "status": "0001", "successTime": "2025-11-24 10:00:02"}],
        "status": "0001",
        "message": "PARTIAL_PAYMENT",
        "successTime": "2025-11-24 10:00:02",  # Mexico City, UTC-6
        "remark": "order-42",
    }


@pytest.mark.parametrize("area", ["australia", "indonesia"])
async def test_order_amount_and_pay_amount_are_json_numbers(
    gateway: Gateway, advance: Advance, client: Client, area: str
) -> None:
    # Australia's and Indonesia's paymentQuery pages: orderAmount and payAmount (float).
    await gateway("deposits", payin_body(area, "deposits", ending="901"), prefix=f"/{area}")
    await advance(2)
    body = {"timestamp": "1728613488294", "tradeNo": "P20261124000001"}
    text = await raw_call(client, area, "queryPayInResult", body)
    whole = amount_for(area, "deposits", "901")
    paid = str(int(whole) // 2)
    assert f'"orderAmount":{whole},"payAmount":{paid},' in text
    data = await query(gateway, area)
    assert "amount" not in data
    assert (data["orderAmount"], data["payAmount"]) == (int(whole), int(paid))


async def test_successtime_is_the_areas_local_time(gateway: Gateway, advance: Advance) -> None:
    await gateway("checkout", payin_body("india"), prefix="/india")
    await advance(2)
    # START is 16:00:00 UTC: 21:30:02 in India (UTC+5:30).
    assert (await query(gateway, "india"))["successTime"] == "2025-11-24 21:30:02"


# --- queryPayOutResult -----------------------------------------------------------------


async def test_australia_payout_query_amount_is_a_number_and_a_failure_has_successtime(
    gateway: Gateway, advance: Advance, client: Client, app: web.Application
) -> None:
    # https://docs.vexora.com/guide/areas/Australia/payoutQuery/: example amount 3.0000 and
    # a 00029 order with successTime.
    body = payin_body("australia", "disbursements", amount="300")
    _, created = await gateway("disbursements", body, prefix="/australia")
    assert created["code"] == "0000", created
    order = app[keys.STORE].order(MERCHANT_NO, "P20261124000001")
    app[keys.PAYMENTS].change_status(order, FAILED, "REJECTED_TRANSACTION")
    query_body = {"timestamp": TIMESTAMP, "tradeNo": "P20261124000001"}
    text = await raw_call(client, "australia", "queryPayOutResult", query_body)
    assert '"amount":300.0000,' in text
    data = await query(gateway, "australia", "queryPayOutResult")
    # Sydney in November keeps daylight saving time: UTC+11.
    assert (data["status"], data["successTime"]) == ("00029", "2025-11-25 03:00:00")


async def test_indonesia_payout_query_has_order_and_pay_amount(
    gateway: Gateway, advance: Advance
) -> None:
    # https://docs.vexora.com/guide/areas/indonesia/payoutQuery/: orderAmount "300.00",
    # payAmount "200.00" in its example (strings).
    body = payin_body("indonesia", "disbursements", amount="30000.00")
    _, created = await gateway("disbursements", body, prefix="/indonesia")
    assert created["code"] == "0000", created
    data = await query(gateway, "indonesia", "queryPayOutResult")
    assert (data["orderAmount"], data["payAmount"]) == ("30000.00", "30000.00")
    assert "amount" not in data


# --- the table for areas whose files arrive separately (wire, without the server) -------


def _payments() -> Payments:
    clock = ManualClock(START)
    store = Store([Merchant(MERCHANT_NO, SECRET)])
    return Payments(store, clock, IdFactory(1), settlement_delay=0)


def test_colombia_payin_query_types_as_its_example() -> None:
    # https://docs.vexora.com/guide/areas/colombia/paymentQuery/: orderAmount 50002.0000,
    # payAmount 50002.00 (numbers), no amount, no successTime in its example.
    payments = _payments()
    order = payments.create(
        merchant_no=MERCHANT_NO,
        trade_no="C1",
        kind=OrderKind.PAYIN,
        endpoint="checkout",
        area="colombia",
        amount="50002",
        notify_url="",
        remark="",
    )
    payments.change_status(order, SUCCESS, "SUCCESS")
    data = wire.queried(order)
    assert data["orderAmount"] == Decimal("50002.0000")
    assert str(data["orderAmount"]) == "50002.0000"
    assert str(data["payAmount"]) == "50002.00"
    assert "amount" not in data


@pytest.mark.parametrize("area", ["korea", "colombia"])
def test_payout_query_order_and_pay_amount(area: str) -> None:
    payments = _payments()
    order = payments.create(
        merchant_no=MERCHANT_NO,
        trade_no="K1",
        kind=OrderKind.PAYOUT,
        endpoint="disbursements",
        area=area,
        amount="50000",
        notify_url="",
        remark="",
    )
    data = wire.queried(order)
    assert (data["orderAmount"], data["payAmount"]) == (Decimal(50000), Decimal(50000))


def test_a_partial_payment_in_a_generic_area_still_shows_the_paid_part() -> None:
    payments = _payments()
    order = payments.create(
        merchant_no=MERCHANT_NO,
        trade_no="G1",
        kind=OrderKind.PAYIN,
        endpoint="checkout",
        area="kenya",
        amount="1000",
        notify_url="",
        remark="",
    )
    payments.change_status(order, PARTIAL, "PARTIAL_PAYMENT", paid_amount="300")
    assert wire.queried(order)["amount"] == "300"


def test_every_zone_in_the_table_resolves() -> None:
    for name, shapes in SHAPES.items():
        assert local_time(START, name), (name, shapes.zone)
    assert local_time(START, "atlantis") == "2025-11-24 16:00:00"  # no row: UTC


# --- balances ----------------------------------------------------------------------------


@pytest.mark.parametrize("area", ["thailand", "cambodia"])
async def test_balance_is_json_numbers_with_four_decimals(client: Client, area: str) -> None:
    # The balance pages' example: {"availableAmount":9998989.1200,"unsettledAmount":0.0000,...}
    text = await raw_call(client, area, "queryBalance", {"timestamp": "1724151084278"})
    assert (
        '"data":{"availableAmount":100000000.0000,"freezeAmount":0.0000,"unsettledAmount":0.0000}'
    ) in text


async def test_balances_are_kept_per_currency(gateway: Gateway, client: Client) -> None:
    body = payin_body("indonesia", "disbursements", amount="30000.00")
    _, created = await gateway("disbursements", body, prefix="/indonesia")
    assert created["code"] == "0000", created

    async def balance(area: str) -> dict[str, Any]:
        _, answer = await gateway("queryBalance", {"timestamp": TIMESTAMP}, prefix=f"/{area}")
        data: dict[str, Any] = answer["data"]
        return data

    assert await balance("indonesia") == {
        "availableAmount": "99970000.00",
        "freezeAmount": "30000.00",
        "unsettledAmount": "0.00",
    }
    # A payout in IDR does not touch BDT.
    assert await balance("bangladesh") == {
        "availableAmount": "100000000.00",
        "freezeAmount": "0.00",
        "unsettledAmount": "0.00",
    }


# --- serialNumber ------------------------------------------------------------------------


async def test_kenya_payout_and_checkout_answers_carry_a_serial_number(
    gateway: Gateway,
) -> None:
    # https://docs.vexora.com/guide/areas/kenya/payout/: the page's example body; its answer
    # has data.serialNumber ("Result ID returned by vexora, unique").
    body = {
        "timestamp": "1715941383720",
        "amount": "50",
        "remark": "000000",
        "tradeNo": "1000023",
        "mobile": "254115555088",
    }
    _, answer = await gateway("disbursements", body, prefix="/kenya")
    assert answer["code"] == "0000", answer
    payout_serial = answer["data"]["serialNumber"]
    # https://docs.vexora.com/guide/areas/kenya/paymentCasher/ shows data.serialNumber too.
    _, answer = await gateway("checkout", payin_body("kenya"), prefix="/kenya")
    assert answer["code"] == "0000", answer
    serial = answer["data"]["serialNumber"]
    assert "paymentInfo" not in answer["data"]
    for value in (payout_serial, serial):
        assert len(value) == 20 and value.startswith("SN") and value[2:].isalnum()
    assert payout_serial != serial


async def test_other_areas_payouts_have_no_serial_number(gateway: Gateway) -> None:
    body = payin_body("india", "disbursements")
    _, answer = await gateway("disbursements", body, prefix="/india")
    assert answer["code"] == "0000", answer
    assert "serialNumber" not in answer["data"]
