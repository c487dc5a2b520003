"""The transitions table and the ledger effects of payouts (domain level, no HTTP)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from vexora_sandbox.domain.clock import IdFactory, ManualClock
from vexora_sandbox.domain.orders import (
    FAILED,
    PARTIAL,
    PROCESSING,
    SUCCESS,
    Order,
    OrderKind,
    allowed,
)
from vexora_sandbox.domain.payments import Payments
from vexora_sandbox.domain.store import Merchant, Store
from vexora_sandbox.errors import GatewayError, NotFound, TransitionError

MERCHANT = "0000000001"
FAILURES = [
    FAILED,
    "60019",
    "60030",
    "0100019",
    "0100007",
    "0100023",
    "0100024",
    "00028",
    "00032",
    "99999",
]
FINALS = [SUCCESS, *FAILURES]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_764_000_000.0)


@pytest.fixture
def payments(clock: ManualClock) -> Payments:
    store = Store([Merchant(MERCHANT, "s", balance=Decimal("1000"))])
    return Payments(store, clock, IdFactory(7), settlement_delay=86400.0)


def payout(payments: Payments, trade_no: str = "T1", amount: str = "250") -> Order:
    return payments.create(
        merchant_no=MERCHANT,
        trade_no=trade_no,
        kind=OrderKind.PAYOUT,
        endpoint="disbursements",
        area="default",
        amount=amount,
        notify_url="http://127.0.0.1:9/notify",
        remark="",
    )


def balances(payments: Payments) -> tuple[Decimal, Decimal]:
    ledger = payments.store.ledger(MERCHANT)
    return ledger.available, ledger.freeze


# --- the table -----------------------------------------------------------------------


@pytest.mark.parametrize("new", FINALS)
def test_processing_goes_to_any_final_status(new: str) -> None:
    assert allowed(OrderKind.PAYOUT, PROCESSING, new)
    assert allowed(OrderKind.PAYIN, PROCESSING, new)


@pytest.mark.parametrize("current", FINALS)
@pytest.mark.parametrize("new", [PROCESSING, SUCCESS, FAILED, "60019", PARTIAL])
def test_final_statuses_are_final(current: str, new: str) -> None:
    assert not allowed(OrderKind.PAYOUT, current, new)
    assert not allowed(OrderKind.PAYIN, current, new)


def test_processing_to_processing_is_not_a_transition() -> None:
    assert not allowed(OrderKind.PAYOUT, PROCESSING, PROCESSING)


def test_partial_payment_is_for_payins_only() -> None:
    assert not allowed(OrderKind.PAYOUT, PROCESSING, PARTIAL)
    assert allowed(OrderKind.PAYIN, PROCESSING, PARTIAL)


def test_order_transition_records_the_change(payments: Payments, clock: ManualClock) -> None:
    order = payout(payments)
    assert (order.status, order.message, order.success_time) == (PROCESSING, "Processing", None)
    clock.advance(2)
    change = order.transition(SUCCESS, "SUCCESS", clock.now())
    assert (change.status, change.message, change.at) == (SUCCESS, "SUCCESS", clock.now())
    assert (order.status, order.message, order.success_time) == (SUCCESS, "SUCCESS", clock.now())
    assert order.history == [change]


def test_order_transition_out_of_a_final_status_raises(payments: Payments) -> None:
    order = payout(payments)
    order.transition(FAILED, "REJECTED_TRANSACTION", 1.0)
    with pytest.raises(TransitionError, match="order T1 cannot go from 00029 to 0000"):
        order.transition(SUCCESS, "SUCCESS", 2.0)
    assert order.status == FAILED


def test_a_payout_cannot_transition_to_partial(payments: Payments) -> None:
    order = payout(payments)
    with pytest.raises(TransitionError, match="order T1 cannot go from 0015 to 0001"):
        order.transition(PARTIAL, "PARTIAL_PAYMENT", 1.0)
    assert order.status == PROCESSING


# --- Payments.change_status and the ledger -------------------------------------------


def test_a_payout_moves_its_amount_from_available_to_freeze(payments: Payments) -> None:
    order = payout(payments, amount="250")
    assert order.status == PROCESSING
    assert balances(payments) == (Decimal(750), Decimal(250))


def test_success_removes_the_amount_from_freeze(payments: Payments, clock: ManualClock) -> None:
    order = payout(payments, amount="250")
    clock.advance(3)
    change = payments.change_status(order, SUCCESS, "SUCCESS")
    assert change is not None
    assert (order.status, order.success_time) == (SUCCESS, clock.now())
    assert balances(payments) == (Decimal(750), Decimal(0))


@pytest.mark.parametrize("failure", FAILURES)
def test_failure_returns_the_amount(payments: Payments, failure: str) -> None:
    order = payout(payments, amount="250")
    assert payments.change_status(order, failure, "FAILED") is not None
    assert order.status == failure
    assert order.success_time is None
    assert balances(payments) == (Decimal(1000), Decimal(0))


def test_a_second_final_status_changes_nothing(payments: Payments) -> None:
    order = payout(payments, amount="250")
    payments.change_status(order, SUCCESS, "SUCCESS")
    assert payments.change_status(order, FAILED, "REJECTED_TRANSACTION") is None
    assert payments.change_status(order, PROCESSING, "Processing") is None
    assert (order.status, order.message) == (SUCCESS, "SUCCESS")
    assert balances(payments) == (Decimal(750), Decimal(0))


def test_a_failed_payout_does_not_refund_twice(payments: Payments) -> None:
    order = payout(payments, amount="250")
    payments.change_status(order, FAILED, "REJECTED_TRANSACTION")
    assert payments.change_status(order, "60019", "INSUFFICIENT_FUNDS") is None
    assert balances(payments) == (Decimal(1000), Decimal(0))


def test_change_status_refuses_partial_for_a_payout(payments: Payments) -> None:
    order = payout(payments, amount="250")
    assert payments.change_status(order, PARTIAL, "PARTIAL_PAYMENT") is None
    assert order.status == PROCESSING
    assert balances(payments) == (Decimal(750), Decimal(250))


def test_the_whole_available_balance_can_be_paid_out(payments: Payments) -> None:
    payout(payments, amount="1000")
    assert balances(payments) == (Decimal(0), Decimal(1000))


def test_an_amount_above_available_is_refused_and_nothing_is_stored(payments: Payments) -> None:
    payout(payments, "T1", amount="600")
    with pytest.raises(GatewayError) as info:
        payout(payments, "T2", amount="500")
    assert info.value.code == "8000"
    assert info.value.msg == (
        "insufficient balance: the payout amount 500.00 is more than the available balance 400.00"
    )
    assert balances(payments) == (Decimal(400), Decimal(600))
    with pytest.raises(NotFound):
        payments.store.order(MERCHANT, "T2")


def test_a_repeated_trade_no_is_refused_and_the_first_order_kept(payments: Payments) -> None:
    first = payout(payments, "T1", amount="250")
    with pytest.raises(GatewayError) as info:
        payout(payments, "T1", amount="300")
    assert info.value.code == "8000"
    assert info.value.msg == "duplicate tradeNo: T1 was already used by this merchant"
    assert payments.store.order(MERCHANT, "T1") is first
    assert first.amount == "250"
    assert balances(payments) == (Decimal(750), Decimal(250))


def test_amounts_are_kept_as_sent_and_as_decimals(payments: Payments) -> None:
    order = payout(payments, amount="100.00")
    assert order.amount == "100.00"
    assert order.amount_value == Decimal(100)


def test_platform_trade_numbers_are_unique_and_start_with_vxp(payments: Payments) -> None:
    numbers = [payout(payments, f"T{i}", amount="100").platform_trade_no for i in range(10)]
    assert len(set(numbers)) == 10
    assert all(n.startswith("VXP") for n in numbers)


def test_the_same_seed_gives_the_same_platform_trade_numbers() -> None:
    first, second = IdFactory(7), IdFactory(7)
    assert [first.platform_trade_no() for _ in range(5)] == [
        second.platform_trade_no() for _ in range(5)
    ]
