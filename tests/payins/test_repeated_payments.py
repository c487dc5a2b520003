"""Repeated payments on one order: Mexico's and Australia's paymentQuery pages record every
payment made on an order after the first
(https://docs.vexora.com/guide/areas/mexico/paymentQuery/,
https://docs.vexora.com/guide/areas/Australia/paymentQuery/); the payer pays again on the
hosted page or through the admin API, every other area refuses it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import payout_body
from tests.payins.conftest import TIMESTAMP, funds, payin_body
from tests.payins.test_checkout_page import create, press, text_of
from tests.support.money import assert_money_adds_up
from vexora_sandbox import keys
from vexora_sandbox.testing import CallbackReceiver

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Advance = Callable[[float], Awaitable[int]]
Balance = Callable[..., Awaitable[dict[str, Any]]]
Client = TestClient[web.Request, web.Application]
TRADE_NO = "P20261124000001"
# The tests' clock (tests.conftest.START) in each area's local time.
MEXICO_TIME = "2025-11-24 10:00:00"
SYDNEY_TIME = "2025-11-25 03:00:00"


async def query(gateway: Gateway, area: str) -> dict[str, Any]:
    _, answer = await gateway(
        "queryPayInResult", {"tradeNo": TRADE_NO, "timestamp": TIMESTAMP}, prefix=f"/{area}"
    )
    assert answer["code"] == "0000", answer
    data: dict[str, Any] = answer["data"]
    return data


async def test_mexico_pays_again_on_the_page_and_lists_each_payment(
    gateway: Gateway,
    client: Client,
    app: web.Application,
    receiver: CallbackReceiver,
    balance: Balance,
) -> None:
    path = await create(gateway, "mexico", notify_url=receiver.url)
    assert text_of(await (await client.get(path)).text(), "pay-full") == "Pay in full"
    await press(client, path, "full")
    first = await receiver.await_for(TRADE_NO, timeout=5)
    assert (first.status, first.body["amount"]) == ("0000", "1000")
    page = await (await client.get(path)).text()
    # A paid Mexico order takes more payments: the order's amount is offered first.
    assert text_of(page, "pay-again") == "Pay again"
    assert 'id="again-amount" name="amount" inputmode="decimal" value="1000"' in page

    status, location, _ = await press(client, path, "again", "250")
    assert (status, location) == (303, f"{path}?done=again")
    again = await receiver.await_for(TRADE_NO, timeout=5, count=2)
    assert again.sign_valid
    assert (again.status, again.body["message"], again.body["amount"]) == ("0000", "SUCCESS", "250")
    page = await (await client.get(location)).text()
    assert (text_of(page, "result"), text_of(page, "paid-again")) == ("Paid again.", "250 (0000)")
    assert text_of(page, "status") == "0000"

    data = await query(gateway, "mexico")
    # amount: the order's, fixed; receivedAmount: the first payment only; paymentList: each.
    assert (data["amount"], data["receivedAmount"], data["status"]) == ("1000", "1000", "0000")
    assert data["paymentList"] == [
        {"amount": "1000", "status": "0000", "successTime": MEXICO_TIME},
        {"amount": "250", "status": "0000", "successTime": MEXICO_TIME},
    ]
    assert await balance(prefix="/mexico") == funds("100000000.00", unsettled="1250.00")
    assert_money_adds_up(app)


async def test_australia_records_the_additional_payments_in_payment_details(
    gateway: Gateway, client: Client, app: web.Application, receiver: CallbackReceiver
) -> None:
    path = await create(gateway, "australia", notify_url=receiver.url, endpoint="deposits")
    data = await query(gateway, "australia")
    assert "paymentDetails" not in data  # required "No": an order paid once has none
    await press(client, path, "partial", "400")
    await press(client, path, "again", "600")
    await press(client, path, "again", "50")
    await receiver.await_for(TRADE_NO, timeout=5, count=3)
    # Each is sent at once: two in flight together may arrive in either order.
    assert sorted((c.status, c.body["amount"]) for c in receiver.received) == [
        ("0000", "50"),
        ("0000", "600"),
        ("0001", "400"),
    ]
    data = await query(gateway, "australia")
    # orderAmount fixed, payAmount the first payment (floats on the page: JSON numbers).
    assert (data["orderAmount"], data["payAmount"], data["status"]) == (1000, 400, "0001")
    assert data["paymentDetails"] == [
        {"payAmount": 600, "status": "0000", "successTime": SYDNEY_TIME},
        {"payAmount": 50, "status": "0000", "successTime": SYDNEY_TIME},
    ]
    assert_money_adds_up(app)


@pytest.mark.parametrize("area", ["kenya", "argentina", "colombia"])
async def test_other_areas_refuse_a_second_payment_on_the_page(
    gateway: Gateway, client: Client, receiver: CallbackReceiver, area: str
) -> None:
    path = await create(gateway, area, notify_url=receiver.url)
    await press(client, path, "full")
    page = await (await client.get(path)).text()
    assert 'id="pay-again"' not in page
    status, _, page = await press(client, path, "again", "100")
    assert status == 409
    assert text_of(page, "error") == (
        f"This payment is already final (0000 SUCCESS): the {area} area takes one payment "
        "per order; only australia and mexico record repeated payments (their paymentQuery "
        "pages)."
    )
    await receiver.await_for(TRADE_NO, timeout=5)
    assert len(receiver.received) == 1


@pytest.mark.parametrize(
    "amount",
    ["0", "-5", "abc", "1.005", "1e3", "NaN", "１２", "1000000000000", ""],
)
async def test_an_amount_that_is_no_payment_is_refused_on_the_page(
    gateway: Gateway, client: Client, receiver: CallbackReceiver, amount: str
) -> None:
    path = await create(gateway, "mexico", notify_url=receiver.url)
    await press(client, path, "full")
    await receiver.await_for(TRADE_NO, timeout=5)  # nothing left in flight at the end
    status, _, page = await press(client, path, "again", amount)
    assert status == 400
    assert text_of(page, "error").startswith(
        "The amount to pay again must be a number above 0 with at most 2 decimal places "
        "and 12 digits before the point; got"
    )
    assert 'id="paid-again"' not in page


async def test_an_unpaid_or_failed_order_takes_no_repeat(
    gateway: Gateway, client: Client, receiver: CallbackReceiver
) -> None:
    path = await create(gateway, "mexico", notify_url=receiver.url)
    status, _, page = await press(client, path, "again", "100")
    assert (status, text_of(page, "error")) == (
        409,
        f"Order {TRADE_NO} is not paid yet: pay it first.",
    )
    await press(client, path, "fail")
    await receiver.await_for(TRADE_NO, timeout=5)  # nothing left in flight at the end
    status, _, page = await press(client, path, "again", "100")
    assert (status, text_of(page, "error")) == (
        409,
        "This payment failed (00029 REJECTED_TRANSACTION): only a paid order takes another "
        "payment.",
    )
    assert 'id="pay-again"' not in page
    assert (await query(gateway, "mexico"))["paymentList"] == []


def test_collected_counts_the_first_payment_and_each_successful_repeat() -> None:
    from vexora_sandbox.domain.orders import Order, OrderKind, Repeat
    from vexora_sandbox.domain.payments import collected

    order = Order(
        "0000000001", "T", "P", OrderKind.PAYIN, "checkout", "mexico", "1000",
        Decimal(1000), "", "", 0.0, status="0001", paid_amount="400",
        repeats=[Repeat("600", "0000", 1.0), Repeat("99", "00029", 2.0)],
    )  # fmt: skip
    assert collected(order) == Decimal(1000)


# --- the admin API, acting for the payer ------------------------------------------------


async def pay(client: Client, trade_no: str = TRADE_NO, **body: Any) -> tuple[int, dict[str, Any]]:
    response = await client.post(f"/_sandbox/transactions/{trade_no}/payments", json=body)
    answer: dict[str, Any] = await response.json()
    return response.status, answer


async def test_the_admin_api_pays_then_pays_again_for_the_payer(
    gateway: Gateway, client: Client, app: web.Application, receiver: CallbackReceiver
) -> None:
    await create(gateway, "australia", notify_url=receiver.url)
    status, answer = await pay(client)
    assert status == 200
    assert answer["payment"] == {"amount": "1000", "status": "0000", "repeat": False}
    assert answer["transaction"]["status"] == "0000"
    first = await receiver.await_for(TRADE_NO, timeout=5)
    assert answer["callback"] == answer["transaction"]["callbacks"][-1]
    status, answer = await pay(client, amount="300")
    assert status == 200
    assert answer["payment"] == {"amount": "300", "status": "0000", "repeat": True}
    assert answer["transaction"]["repeats"] == [
        {"amount": "300", "status": "0000", "at": 1_764_000_000_000}
    ]
    again = await receiver.await_for(TRADE_NO, timeout=5, count=2)
    assert (first.body["amount"], again.body["amount"]) == ("1000", "300")
    assert answer["callback"] == answer["transaction"]["callbacks"][-1]
    # A failed attempt is recorded, collects nothing and sends no callback.
    status, answer = await pay(client, amount="70", status="00029")
    assert (status, answer["payment"], answer["callback"]) == (
        200,
        {"amount": "70", "status": "00029", "repeat": True},
        None,
    )
    data = await query(gateway, "australia")
    assert data["paymentDetails"] == [
        {"payAmount": 300, "status": "0000", "successTime": SYDNEY_TIME},
        {"payAmount": 70, "status": "00029"},
    ]
    assert len(receiver.received) == 2
    assert_money_adds_up(app)


async def test_the_admin_api_pays_in_part_and_fails_like_the_page(
    gateway: Gateway, client: Client, receiver: CallbackReceiver
) -> None:
    await create(gateway, "mexico", notify_url=receiver.url)
    status, answer = await pay(client, amount="999.5")
    assert (status, answer["payment"]) == (
        200,
        {"amount": "999.5", "status": "0001", "repeat": False},
    )
    callback = await receiver.await_for(TRADE_NO, timeout=5)
    assert (callback.status, callback.body["amount"]) == ("0001", "999.5")
    await create(gateway, "mexico", notify_url=receiver.url, tradeNo="P20261124000002")
    status, answer = await pay(client, "P20261124000002", status="00029")
    assert (status, answer["transaction"]["status"]) == (200, "00029")
    await receiver.await_for("P20261124000002", timeout=5)
    status, answer = await pay(client, "P20261124000002")
    assert (status, answer["error"]) == (
        409,
        "this payment failed (00029 REJECTED_TRANSACTION): only a paid order takes another payment",
    )


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"amount": 5}, 400, "amount must be a string, as the gateway's amounts and codes are"),
        (
            {"status": "0015"},
            400,
            'status is "0000" (paid: an amount below the order\'s makes a partial payment, '
            "0001) or a failure code such as \"00029\"; got '0015'",
        ),
        (
            {"amount": "1001"},
            400,
            "the amount to pay must be a number above 0 and at most the order's 1000; got '1001'",
        ),
        (
            {"amount": "0"},
            400,
            "the amount to pay must be a number above 0 and at most the order's 1000; got '0'",
        ),
    ],
)
async def test_the_admin_api_refuses_what_no_payer_pays(
    gateway: Gateway, client: Client, body: dict[str, Any], status: int, message: str
) -> None:
    await create(gateway, "mexico")
    got, answer = await pay(client, **body)
    assert (got, answer["error"]) == (status, message)


async def test_the_admin_api_refuses_a_second_payment_elsewhere_and_on_payouts(
    gateway: Gateway, client: Client
) -> None:
    await create(gateway, "kenya")
    assert (await pay(client))[0] == 200
    status, answer = await pay(client, amount="10")
    assert (status, answer["error"]) == (
        409,
        "this payment is already final (0000 SUCCESS): the kenya area takes one payment per "
        "order; only australia and mexico record repeated payments (their paymentQuery pages)",
    )
    assert (await pay(client, "NO-SUCH"))[0] == 404
    _, created = await gateway("disbursements", payout_body(tradeNo="T-PAYOUT"))
    assert created["code"] == "0000", created
    status, answer = await pay(client, "T-PAYOUT")
    assert (status, answer["error"]) == (
        409,
        "order T-PAYOUT is a payout: only a pay-in's payer pays",
    )


def test_the_admin_client_wraps_the_route() -> None:
    from vexora_sandbox import SandboxConfig
    from vexora_sandbox.testing import SandboxServer

    with SandboxServer(SandboxConfig(clock="manual")) as server, CallbackReceiver() as hooks:
        created = server.call("checkout", payin_body("mexico", notify_url=hooks.url), area="mexico")
        assert created["code"] == "0000", created
        assert server.admin.pay(TRADE_NO)["payment"]["repeat"] is False
        answer = server.admin.pay(TRADE_NO, "5")
        assert answer["payment"] == {"amount": "5", "status": "0000", "repeat": True}
        hooks.wait_for(TRADE_NO, count=2, timeout=5)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["0", "1", "0.01", "999999999999.99", "1e3", "-1", "0015", "0001", "00029"]),
)
PAYMENT_BODY = st.dictionaries(
    st.sampled_from(["amount", "status", "merchantNo", "x"]),
    st.one_of(SCALARS, st.lists(SCALARS, max_size=2)),
    max_size=4,
)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(bodies=st.lists(PAYMENT_BODY, min_size=1, max_size=4))
async def test_any_payment_body_gets_a_clear_answer_and_the_money_adds_up(
    gateway: Gateway, client: Client, app: web.Application, bodies: list[dict[str, Any]]
) -> None:
    if not list(app[keys.STORE].orders()):
        await create(gateway, "mexico")
    for body in bodies:
        status, answer = await pay(client, **body)
        assert status in (200, 400, 404, 409), (status, answer)
        if status != 200:
            assert isinstance(answer["error"], str) and answer["error"], answer
        assert app[keys.ERRORS] == []
        assert_money_adds_up(app)
