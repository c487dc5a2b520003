"""The ledger invariant the race tests assert: money always adds up.

For every merchant and currency: nothing negative, the frozen amount is exactly the payouts still in
progress, and available + frozen + unsettled + spent = starting balance + collected.
"""

from __future__ import annotations

from decimal import Decimal

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.domain.ledger import Ledger
from vexora_sandbox.domain.orders import (
    PARTIAL,
    PROCESSING,
    SUCCESS,
    Order,
    OrderKind,
    is_success,
)
from vexora_sandbox.domain.payments import amount_value


def assert_money_adds_up(app: web.Application) -> None:
    store = app[keys.STORE]
    for merchant in store.merchants():
        orders = list(store.orders(merchant.merchant_no))
        currencies = set(store.ledgers(merchant.merchant_no)) | {o.currency for o in orders}
        for currency in currencies:
            ledger = store.ledger(merchant.merchant_no, currency)
            _adds_up(ledger, [o for o in orders if o.currency == currency], merchant.balance)


def _adds_up(ledger: Ledger, orders: list[Order], balance: Decimal) -> None:
    payouts = [o for o in orders if o.kind is OrderKind.PAYOUT]
    payins = [o for o in orders if o.kind is OrderKind.PAYIN and is_success(o.status)]
    spent = sum((o.amount_value for o in payouts if is_success(o.status)), Decimal(0))
    frozen = sum((o.amount_value for o in payouts if o.status == PROCESSING), Decimal(0))
    # The first payment (or its paid part) and every successful repeated payment.
    collected = sum((pay_in_total(o) for o in payins), Decimal(0))
    shown = ledger.as_wire()
    assert ledger.available >= 0, shown
    assert ledger.freeze >= 0, shown
    assert ledger.unsettled >= 0, shown
    assert ledger.freeze == frozen, (shown, frozen)
    assert ledger.available + ledger.freeze + ledger.unsettled + spent == balance + collected, (
        shown,
        spent,
        collected,
        balance,
    )


def pay_in_total(order: Order) -> Decimal:
    """Counted here from the order's own fields, not with the domain's helper."""
    first = (
        min(amount_value(order.paid_amount or order.amount), order.amount_value)
        if order.status == PARTIAL
        else order.amount_value
    )
    again = sum((amount_value(r.amount) for r in order.repeats if r.status == SUCCESS), Decimal(0))
    return first + again
