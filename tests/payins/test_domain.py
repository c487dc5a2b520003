"""The pay-in side of the domain, without HTTP: the ledger's settlement and partial pay-ins."""

from __future__ import annotations

from decimal import Decimal

import pytest

from vexora_sandbox.domain.clock import IdFactory, ManualClock
from vexora_sandbox.domain.ledger import Ledger
from vexora_sandbox.domain.orders import FAILED, PARTIAL, PROCESSING, SUCCESS, Order, OrderKind
from vexora_sandbox.domain.payments import Payments, part_of
from vexora_sandbox.domain.store import Merchant, Store

MERCHANT = "0000000001"
START = 1_764_000_000.0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def payments(clock: ManualClock) -> Payments:
    store = Store([Merchant(MERCHANT, "s", balance=Decimal("1000"))])
    return Payments(store, clock, IdFactory(7), settlement_delay=100.0)


def payin(payments: Payments, trade_no: str = "I1", amount: str = "250") -> Order:
    return payments.create(
        merchant_no=MERCHANT,
        trade_no=trade_no,
        kind=OrderKind.PAYIN,
        endpoint="checkout",
        area="kenya",
        amount=amount,
        notify_url="http://127.0.0.1:9/notify",
        remark="",
    )


def funds(payments: Payments) -> tuple[Decimal, Decimal, Decimal]:
    ledger = payments.balance(MERCHANT)
    return ledger.available, ledger.freeze, ledger.unsettled


# --- Ledger ---------------------------------------------------------------------------


def test_collections_settle_when_due_in_due_order() -> None:
    ledger = Ledger(Decimal(0))
    ledger.collect(Decimal("5"), settle_at=30.0)
    ledger.collect(Decimal("1.50"), settle_at=10.0)
    ledger.collect(Decimal("2"), settle_at=20.0)
    assert ledger.next_settlement == 10.0
    assert ledger.settle_due(9.99) == 0
    assert ledger.settle_due(20.0) == Decimal("3.50")
    assert (ledger.available, ledger.unsettled) == (Decimal("3.50"), Decimal("5"))
    assert ledger.next_settlement == 30.0
    assert ledger.settle_due(1e12) == Decimal("5")
    assert ledger.next_settlement is None
    assert ledger.as_wire() == {
        "availableAmount": "8.50",
        "freezeAmount": "0.00",
        "unsettledAmount": "0.00",
    }


def test_settle_by_hand_consumes_the_oldest_collections_first() -> None:
    ledger = Ledger(Decimal(0))
    ledger.collect(Decimal("5"), settle_at=10.0)
    ledger.collect(Decimal("7"), settle_at=20.0)
    assert ledger.settle(Decimal("6")) == Decimal("6")
    assert (ledger.available, ledger.unsettled) == (Decimal("6"), Decimal("6"))
    # The first collection is gone, one unit of the second was settled already.
    assert ledger.settle_due(10.0) == 0
    assert ledger.settle_due(20.0) == Decimal("6")
    assert (ledger.available, ledger.unsettled) == (Decimal("12"), Decimal("0"))


def test_settle_everything_by_hand_leaves_nothing_due() -> None:
    ledger = Ledger(Decimal(1))
    ledger.collect(Decimal("5"), settle_at=10.0)
    assert ledger.settle() == Decimal("5")
    assert ledger.next_settlement is None
    assert ledger.settle_due(1e12) == 0
    assert ledger.settle() == 0
    assert ledger.available == Decimal(6)


def test_a_collection_without_a_due_time_waits_for_a_settle_by_hand() -> None:
    ledger = Ledger(Decimal(0))
    ledger.collect(Decimal("5"))
    assert ledger.settle_due(1e12) == 0
    assert ledger.settle() == Decimal("5")


def test_nothing_is_collected_for_nothing() -> None:
    ledger = Ledger(Decimal(0))
    ledger.collect(Decimal(0), settle_at=1.0)
    assert ledger.next_settlement is None
    assert ledger.unsettled == 0


def test_amounts_stay_decimal() -> None:
    ledger = Ledger(Decimal("0.1"))
    for _ in range(3):
        ledger.collect(Decimal("0.1"), settle_at=0.0)
    ledger.settle_due(0.0)
    assert ledger.available == Decimal("0.4")
    assert ledger.as_wire()["availableAmount"] == "0.40"


# --- part_of --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "half"),
    [
        ("1000", "500"),
        ("1001", "500"),
        ("1901", "950"),
        ("100.00", "50.00"),
        ("100.01", "50.00"),
        ("100.5", "50.2"),
        ("1", "0.5"),
        ("1E+3", "500"),
    ],
)
def test_part_of_is_half_in_the_amounts_own_places(amount: str, half: str) -> None:
    assert part_of(amount) == half


def test_part_of_leaves_a_non_number_alone() -> None:
    assert part_of("abc") == "abc"


# --- Payments -------------------------------------------------------------------------


def test_a_payin_starts_paying_and_touches_no_balance(payments: Payments) -> None:
    order = payin(payments)
    assert (order.status, order.message, order.awaits_submit) == (PROCESSING, "Paying", False)
    assert funds(payments) == (Decimal(1000), Decimal(0), Decimal(0))


def test_a_paid_payin_settles_after_the_delay(payments: Payments, clock: ManualClock) -> None:
    order = payin(payments)
    clock.advance(2)
    assert payments.change_status(order, SUCCESS, "SUCCESS") is not None
    assert funds(payments) == (Decimal(1000), Decimal(0), Decimal(250))
    clock.advance(99)
    assert funds(payments) == (Decimal(1000), Decimal(0), Decimal(250))
    clock.advance(1)
    assert funds(payments) == (Decimal(1250), Decimal(0), Decimal(0))


def test_a_partial_payin_without_an_amount_pays_half(payments: Payments) -> None:
    order = payin(payments, amount="1001")
    payments.change_status(order, PARTIAL, "PARTIAL_PAYMENT")
    assert order.paid_amount == "500"
    assert funds(payments)[2] == Decimal(500)


def test_a_partial_payin_pays_the_amount_it_is_told(payments: Payments) -> None:
    order = payin(payments, amount="250")
    payments.change_status(order, PARTIAL, "PARTIAL_PAYMENT", paid_amount="100.50")
    assert order.paid_amount == "100.50"
    assert funds(payments)[2] == Decimal("100.50")


def test_a_partial_payin_never_collects_more_than_the_order(payments: Payments) -> None:
    order = payin(payments, amount="250")
    payments.change_status(order, PARTIAL, "PARTIAL_PAYMENT", paid_amount="999")
    assert funds(payments)[2] == Decimal(250)


def test_a_failed_payin_collects_nothing_and_stays_failed(payments: Payments) -> None:
    order = payin(payments)
    payments.change_status(order, FAILED, "Fail")
    assert payments.change_status(order, SUCCESS, "SUCCESS") is None
    assert funds(payments) == (Decimal(1000), Decimal(0), Decimal(0))


def test_a_payout_settles_what_is_due_before_reserving(
    payments: Payments, clock: ManualClock
) -> None:
    order = payin(payments, amount="500")
    payments.change_status(order, SUCCESS, "SUCCESS")
    clock.advance(100)
    payments.create(
        merchant_no=MERCHANT,
        trade_no="O1",
        kind=OrderKind.PAYOUT,
        endpoint="disbursements",
        area="kenya",
        amount="1500",
        notify_url="http://127.0.0.1:9/notify",
        remark="",
    )
    assert funds(payments) == (Decimal(0), Decimal(1500), Decimal(0))


def test_settle_by_hand_for_one_or_all_merchants(payments: Payments) -> None:
    order = payin(payments)
    payments.change_status(order, SUCCESS, "SUCCESS")
    assert payments.settle(MERCHANT) == {MERCHANT: {"": Decimal(250)}}
    assert payments.settle() == {MERCHANT: {"": Decimal(0)}}
    assert funds(payments) == (Decimal(1250), Decimal(0), Decimal(0))


def test_the_default_settlement_delay_is_a_day_scaled_like_callbacks() -> None:
    from vexora_sandbox import keys
    from vexora_sandbox.app import create_app
    from vexora_sandbox.config import SandboxConfig

    assert create_app(SandboxConfig())[keys.PAYMENTS].settlement_delay == 86400.0
    scaled = create_app(SandboxConfig(time_scale=0.5))
    assert scaled[keys.PAYMENTS].settlement_delay == 43200.0
