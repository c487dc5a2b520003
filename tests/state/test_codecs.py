"""Orders, ledgers and deliveries through the state file and back, field for field: pay-ins
with partial payments and submits, collections waiting to settle, signed callback bytes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from aiohttp import web

from tests.conftest import MERCHANT_NO, START
from vexora_sandbox import SandboxConfig, create_app, keys
from vexora_sandbox.callbacks.delivery import Delivery
from vexora_sandbox.domain.clock import ManualClock
from vexora_sandbox.domain.orders import FAILED, PARTIAL, OrderKind
from vexora_sandbox.domain.payments import Payments
from vexora_sandbox.domain.store import Store
from vexora_sandbox.scenarios.model import CallbackSpec
from vexora_sandbox.state.backend import Batch
from vexora_sandbox.state.codecs import delivery_row, ledger_row
from vexora_sandbox.state.order_rows import order_row
from vexora_sandbox.state.restore import restore
from vexora_sandbox.state.sqlite import SqliteBackend


def fresh(at: float = START) -> tuple[web.Application, Payments, Store]:
    app = create_app(SandboxConfig(clock="manual"), clock=ManualClock(at))
    return app, app[keys.PAYMENTS], app[keys.STORE]


def test_orders_ledgers_and_deliveries_come_back_equal(tmp_path: Path) -> None:
    _, payments, store = fresh()
    payin = payments.create(
        merchant_no=MERCHANT_NO,
        trade_no="P1",
        kind=OrderKind.PAYIN,
        endpoint="deposits",
        area="bangladesh",
        amount="1001.50",
        notify_url="http://127.0.0.1:9/notify",
        remark="r",
        extras={"wayCode": "BKASH", "payerName": "Rahim"},
        awaits_submit=True,
    )
    payments.submit(payin, {"transactionId": "TX123"})
    payments.payer_pays(payin, PARTIAL, "400.25")
    payout = payments.create(
        merchant_no=MERCHANT_NO,
        trade_no="O1",
        kind=OrderKind.PAYOUT,
        endpoint="disbursements",
        area="default",
        amount="70",
        notify_url="http://127.0.0.1:9/notify",
        remark="",
        status=FAILED,
        message="ACCOUNT_CLOSED",
    )
    waiting = payments.create(
        merchant_no=MERCHANT_NO,
        trade_no="O2",
        kind=OrderKind.PAYOUT,
        endpoint="disbursements",
        area="default",
        amount="0.10",
        notify_url="http://127.0.0.1:9/notify",
        remark="",
    )
    delivery = Delivery(
        id=7,
        order=payin,
        url=payin.notify_url,
        due_at=START + 2,
        spec=CallbackSpec(after=2, status=PARTIAL, amount="400.25", sign="invalid", repeat=2),
        scenario="partial",
        body={"tradeNo": "P1", "status": PARTIAL, "sign": "x"},
        payload=b'{"tradeNo":"P1","status":"0001","sign":"x"}\xff',
        applied=True,
        attempts=[{"attempt": 1, "responseStatus": 500, "acknowledged": False}],
        next_attempt_at=START + 4,
    )
    ledger = store.ledger(MERCHANT_NO)
    backend = SqliteBackend(str(tmp_path / "s.db"))
    backend.open()
    backend.commit(
        Batch(
            orders=[order_row(o) for o in (payin, payout, waiting)],
            ledgers=[ledger_row(MERCHANT_NO, "", Decimal(100_000_000), ledger)],
            deliveries=[delivery_row(delivery)],
            meta={"ids": "3", "next_delivery_id": "8"},
        )
    )
    snapshot = backend.load(10)
    backend.close()

    again, _, store2 = fresh()
    restored = restore(
        snapshot,
        source="test",
        payments=again[keys.PAYMENTS],
        dispatcher=again[keys.DISPATCHER],
        clock=again[keys.CLOCK],
        ids=again[keys.IDS],
    )
    assert (restored.orders, restored.pending, restored.late) == (3, 1, 0)
    # Restored lazily: the order a callback needs is built, the others stay rows.
    held = store2.state(MERCHANT_NO).orders
    assert [type(dict.get(held, n)).__name__ for n in ("P1", "O1", "O2")] == [
        "Order",
        "tuple",
        "tuple",
    ]
    assert store2.has(MERCHANT_NO, "O1") and not store2.has(MERCHANT_NO, "O9")
    by_platform = store2.order_by_platform(MERCHANT_NO, payout.platform_trade_no)
    assert by_platform == payout and by_platform is store2.order(MERCHANT_NO, "O1")
    assert list(store2.orders()) == [payin, payout, waiting]
    assert store2.ledger(MERCHANT_NO) == ledger
    assert ledger.unsettled == Decimal("400.25") and ledger.freeze == Decimal("0.10")
    [back] = list(again[keys.DISPATCHER].deliveries)
    assert back.order is store2.order(MERCHANT_NO, "P1")
    for name in Delivery.__slots__:
        if name != "order":
            assert getattr(back, name) == getattr(delivery, name), name
    # Platform numbers go on after the three issued.
    assert again[keys.IDS].platform_trade_no().startswith("VXP0000000004")


def test_a_collection_settles_on_its_due_time_after_a_restart(tmp_path: Path) -> None:
    _, payments, store = fresh()
    order = payments.create(
        merchant_no=MERCHANT_NO,
        trade_no="P1",
        kind=OrderKind.PAYIN,
        endpoint="checkout",
        area="default",
        amount="500",
        notify_url="",
        remark="",
    )
    payments.payer_pays(order, "0000", None)  # settles T+1: START + 86400
    backend = SqliteBackend(str(tmp_path / "s.db"))
    backend.open()
    ledger = store.ledger(MERCHANT_NO)
    backend.commit(
        Batch(
            orders=[order_row(order)],
            ledgers=[ledger_row(MERCHANT_NO, "", Decimal(100_000_000), ledger)],
        )
    )
    snapshot = backend.load(10)
    backend.close()
    app, payments2, _ = fresh(START + 86_399)
    restore(
        snapshot,
        source="test",
        payments=payments2,
        dispatcher=app[keys.DISPATCHER],
        clock=app[keys.CLOCK],
        ids=app[keys.IDS],
    )
    assert payments2.balance(MERCHANT_NO).unsettled == Decimal(500)
    clock = app[keys.CLOCK]
    assert isinstance(clock, ManualClock)
    clock.advance(1)
    settled = payments2.balance(MERCHANT_NO)
    assert (settled.available, settled.unsettled) == (Decimal(100_000_500), Decimal(0))


def test_status_changes_deferred_without_a_callback_happen_after_a_restart(
    tmp_path: Path,
) -> None:
    _, payments, store = fresh()
    order = payments.create(
        merchant_no=MERCHANT_NO,
        trade_no="O1",
        kind=OrderKind.PAYOUT,
        endpoint="disbursements",
        area="default",
        amount="70",
        notify_url="",
        remark="",
        currency="ARS",
    )
    payments.defer(order, [(START + 2, "0000", "SUCCESS", None)])
    backend = SqliteBackend(str(tmp_path / "s.db"))
    backend.open()
    ledger = store.ledger(MERCHANT_NO, "ARS")
    backend.commit(
        Batch(
            orders=[order_row(order)],
            ledgers=[ledger_row(MERCHANT_NO, "ARS", Decimal(100_000_000), ledger)],
        )
    )
    snapshot = backend.load(10)
    backend.close()
    app, payments2, store2 = fresh(START + 1)
    restore(
        snapshot,
        source="test",
        payments=payments2,
        dispatcher=app[keys.DISPATCHER],
        clock=app[keys.CLOCK],
        ids=app[keys.IDS],
    )
    kept = store2.order(MERCHANT_NO, "O1")
    assert (kept.status, kept.currency, kept.deferred) == (
        "0015",
        "ARS",
        [(START + 2, "0000", "SUCCESS", None)],
    )
    clock = app[keys.CLOCK]
    assert isinstance(clock, ManualClock)
    clock.advance(2)
    money = payments2.balance(MERCHANT_NO, "ARS")
    assert (kept.status, kept.deferred) == ("0000", [])
    assert (money.available, money.freeze) == (Decimal(99_999_930), Decimal(0))
