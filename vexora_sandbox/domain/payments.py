"""Creating orders and moving them along the transitions table, with their ledger effects."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from vexora_sandbox.domain.clock import Clock, IdFactory
from vexora_sandbox.domain.orders import (
    PARTIAL,
    Order,
    OrderKind,
    StatusChange,
    allowed,
    is_success,
)
from vexora_sandbox.domain.store import Store, duplicate_error


def amount_value(text: str) -> Decimal:
    """The amount as a decimal; 0 for text that is no number (possible in lenient mode)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return Decimal(0)
    return value if value.is_finite() and value > 0 else Decimal(0)


class Payments:
    """The domain's entry points for the API handlers and the callback dispatcher."""

    def __init__(self, store: Store, clock: Clock, ids: IdFactory) -> None:
        self.store = store
        self.clock = clock
        self.ids = ids

    def create(
        self,
        *,
        merchant_no: str,
        trade_no: str,
        kind: OrderKind,
        endpoint: str,
        area: str,
        amount: str,
        notify_url: str,
        remark: str,
        extras: dict[str, str] | None = None,
    ) -> Order:
        """Store a new order in ``0015``; a payout reserves its amount first.

        Raises GatewayError for a repeated tradeNo or (payouts) an insufficient balance;
        nothing is stored or reserved then.
        """
        if self.store.has(merchant_no, trade_no):
            raise duplicate_error(trade_no)
        value = amount_value(amount)
        if kind is OrderKind.PAYOUT:
            self.store.ledger(merchant_no).reserve(value)
        order = Order(
            merchant_no=merchant_no,
            trade_no=trade_no,
            platform_trade_no=self.ids.platform_trade_no(),
            kind=kind,
            endpoint=endpoint,
            area=area,
            amount=amount,
            amount_value=value,
            notify_url=notify_url,
            remark=remark,
            created_at=self.clock.now(),
            extras=extras or {},
        )
        return self.store.add(order)

    def change_status(
        self, order: Order, status: str, message: str, *, paid_amount: str | None = None
    ) -> StatusChange | None:
        """Apply a status if the table allows it (with its ledger effect); else None.

        A disallowed change (a stale ``0015`` after a final status, a second final status)
        leaves the order as it is: the callback that carries it is still sent as told.
        """
        if not allowed(order.kind, order.status, status):
            return None
        change = order.transition(status, message, self.clock.now())
        ledger = self.store.ledger(order.merchant_no)
        if order.kind is OrderKind.PAYOUT:
            ledger.settle_payout(order.amount_value, is_success(status))
        elif is_success(status):
            paid = order.amount_value
            if status == PARTIAL:
                order.paid_amount = paid_amount or order.amount
                paid = min(amount_value(order.paid_amount), order.amount_value)
            ledger.collect(paid)
        return change
