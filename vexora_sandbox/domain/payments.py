"""Creating orders and moving them along the transitions table, with their ledger effects."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation

from vexora_sandbox.domain.clock import Clock, IdFactory
from vexora_sandbox.domain.ledger import Ledger
from vexora_sandbox.domain.orders import (
    PARTIAL,
    PAYING,
    PROCESSING,
    SUCCESS,
    Order,
    OrderKind,
    Repeat,
    StatusChange,
    default_message,
    is_success,
)
from vexora_sandbox.domain.store import Store, duplicate_error
from vexora_sandbox.errors import NotFound, TransitionError


def amount_value(text: str) -> Decimal:
    """The amount as a decimal; 0 for text that is no number (possible in lenient mode)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return Decimal(0)
    return value if value.is_finite() and value > 0 else Decimal(0)


def part_of(amount: str) -> str:
    """What a partial payment pays when nothing says how much: half, in the amount's own
    decimal places, rounded down (``"1001"`` -> ``"500"``, ``"100.00"`` -> ``"50.00"``)."""
    value = amount_value(amount)
    if value <= 0:
        return amount
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite amount
    half = (value / 2).quantize(Decimal(1).scaleb(min(exponent, 0)), rounding=ROUND_DOWN)
    if half <= 0:  # the smallest unit cannot be halved in its own places
        half = (value / 2).normalize()
    return format(half, "f")


def collected(order: Order) -> Decimal:
    """What a pay-in brought in: its first payment (all of it, or the part of a partial
    payment) and every successful repeated payment; 0 for a payout or an unpaid pay-in."""
    if order.kind is not OrderKind.PAYIN or not is_success(order.status):
        return Decimal(0)
    first = order.amount_value
    if order.status == PARTIAL and order.paid_amount is not None:
        first = min(amount_value(order.paid_amount), order.amount_value)
    again = (amount_value(r.amount) for r in order.repeats if r.status == SUCCESS)
    return first + sum(again, Decimal(0))


# Bangladesh's P2C wallet codes: the payer pays the merchant's official account and the
# gateway sees it at once; every other wallet code of an area with a submit step is P2P
# (https://docs.vexora.com/guide/areas/bangladesh/payment/: "P2P: BKASH, NAGAD; P2C:
# BKASH_OFFICIAL, NAGAD_OFFICIAL").
P2C_SUFFIX = "_OFFICIAL"


def waits_for_submit(area_offers_submit: bool, way_code: str) -> bool:
    """Whether a new pay-in waits for the payer's transaction id before it can complete.

    A pay-in of an area whose pages describe a submit step (Bangladesh's payinSubmit,
    Myanmar's payInSubmit) waits, at ``checkout`` and ``deposits`` alike, unless its
    ``wayCode`` is a P2C code: Bangladesh's only pay-in page is served at ``/checkout``
    and its paymentSubmit page says the payer submits the transaction id after paying
    (https://docs.vexora.com/guide/areas/bangladesh/paymentSubmit/).
    """
    return area_offers_submit and not way_code.endswith(P2C_SUFFIX)


class Payments:
    """The domain's entry points for the API handlers and the callback dispatcher.

    ``settlement_delay`` is business seconds from a pay-in's success to its settlement
    (already multiplied by the time scale).
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        ids: IdFactory,
        *,
        settlement_delay: float,
    ) -> None:
        self.store = store
        self.clock = clock
        self.ids = ids
        self.settlement_delay = settlement_delay
        # Orders with status changes due without a callback (no notify URL), by identity.
        self._deferred: dict[int, Order] = {}

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
        currency: str = "",
        extras: dict[str, str] | None = None,
        status: str = PROCESSING,
        message: str | None = None,
        awaits_submit: bool = False,
    ) -> Order:
        """Store a new order in ``0015``; a payout reserves its amount first.

        ``status`` other than ``0015`` moves it on at once (a scenario's immediate
        failure, with its ledger effect); ``message`` replaces the status's default text.
        ``awaits_submit``: a P2P pay-in that waits for the payer's transaction id.
        Raises GatewayError for a repeated tradeNo or (payouts) an insufficient balance;
        nothing is stored or reserved then.
        """
        if self.store.has(merchant_no, trade_no):
            raise duplicate_error(trade_no)
        value = amount_value(amount)
        if kind is OrderKind.PAYOUT:
            self.balance(merchant_no, currency).reserve(value)
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
            currency=currency,
            extras={k: v for k, v in (extras or {}).items() if v},
        )
        if kind is OrderKind.PAYIN:
            order.message = PAYING
        self.store.add(order)
        if status != order.status:
            self.change_status(order, status, message or default_message(status))
        elif message:
            order.message = message
        order.awaits_submit = awaits_submit and order.status == PROCESSING
        return order

    def submit(self, order: Order, references: dict[str, str]) -> bool:
        """The payer's transaction id for a P2P pay-in (payinSubmit / payInSubmit).

        True when the order is still in progress and takes it (the first reference of each
        name is kept); False for a final order, which ignores it.
        """
        if order.status != PROCESSING:
            return False
        for name, value in references.items():
            if value:
                order.extras.setdefault(name, value)
        self.store.changed(order)
        return True

    def release_submit(self, order: Order) -> bool:
        """End a P2P pay-in's wait for its submit; True if it was waiting."""
        waiting = order.awaits_submit
        order.awaits_submit = False
        self.store.changed(order)
        return waiting

    def payer_pays(self, order: Order, status: str, paid_amount: str | None) -> StatusChange | None:
        """The payer's action on the hosted page: the order takes ``status`` now."""
        change = self.change_status(order, status, default_message(status), paid_amount=paid_amount)
        order.awaits_submit = False
        self.store.changed(order)
        return change

    def pay_again(self, order: Order, amount: str, status: str = SUCCESS) -> Repeat:
        """Another payment on a paid pay-in, recorded on the order; a successful one is
        collected like the first (it settles after the settlement delay). The order's
        status and first payment stay as they are. Raises TransitionError for an order
        that is not a paid pay-in, a status that is no outcome (0015, 0001) or an amount
        that is not above 0; the callers (api.repeats) say which areas take repeats."""
        if order.kind is not OrderKind.PAYIN or not is_success(order.status):
            raise TransitionError(f"order {order.trade_no} is not a paid pay-in")
        if status in (PROCESSING, PARTIAL):
            raise TransitionError(f"a repeated payment is {SUCCESS} or a failure, not {status}")
        value = amount_value(amount)
        if value <= 0:
            raise TransitionError(f"a repeated payment's amount must be above 0; got {amount!r}")
        now = self.clock.now()
        repeat = Repeat(amount, status, now)
        order.repeats.append(repeat)
        if status == SUCCESS:
            ledger = self.store.ledger(order.merchant_no, order.currency)
            ledger.collect(value, settle_at=now + self.settlement_delay)
        self.store.changed(order)
        return repeat

    def defer(self, order: Order, changes: list[tuple[float, str, str, str | None]]) -> None:
        """Status changes for an order that has no notify URL: they happen at their due
        time without a callback, applied by whoever reads the order or the balance next
        (:meth:`catch_up`), the way collections settle (domain.ledger)."""
        if not changes:
            return
        order.deferred = sorted([*order.deferred, *changes], key=lambda c: c[0])
        self._deferred[id(order)] = order
        self.store.changed(order)

    def catch_up(self, order: Order) -> None:
        """Apply the order's deferred status changes that are due by now, at their time."""
        now = self.clock.now()
        while order.deferred and order.deferred[0][0] <= now:
            at, status, message, amount = order.deferred.pop(0)
            if self._current(order):
                self.change_status(order, status, message, paid_amount=amount, at=at)
                self.store.changed(order)
        if not order.deferred:
            self._deferred.pop(id(order), None)

    def drop_deferred(self, order: Order) -> None:
        """The payer acted first (the hosted page): the pending changes will not happen."""
        order.deferred.clear()
        self._deferred.pop(id(order), None)
        self.store.changed(order)

    def _current(self, order: Order) -> bool:
        """Whether ``order`` is still in the store (a reset forgets orders, not references)."""
        try:
            return self.store.order(order.merchant_no, order.trade_no) is order
        except NotFound:
            return False

    def change_status(
        self,
        order: Order,
        status: str,
        message: str,
        *,
        paid_amount: str | None = None,
        at: float | None = None,
    ) -> StatusChange | None:
        """Apply a status if the table allows it (with its ledger effect); else None.

        A disallowed change (a stale ``0015`` after a final status, a second final status)
        leaves the order as it is: the callback that carries it is still sent as told.
        A partial payment (``0001``) pays ``paid_amount``, or half the amount without one.
        An order a reset forgot changes nothing: its ledger is gone.
        """
        if not self.store.holds(order):
            return None
        when = self.clock.now() if at is None else at
        try:
            change = order.transition(status, message, when)
        except TransitionError:
            return None
        ledger = self.store.ledger(order.merchant_no, order.currency)
        if order.kind is OrderKind.PAYOUT:
            ledger.settle_payout(order.amount_value, is_success(status))
        elif is_success(status):
            paid = order.amount_value
            if status == PARTIAL:
                order.paid_amount = paid_amount or part_of(order.amount)
                paid = min(amount_value(order.paid_amount), order.amount_value)
            ledger.collect(paid, settle_at=when + self.settlement_delay)
        self.store.changed(order)
        return change

    # --- settlement ------------------------------------------------------------------

    def balance(self, merchant_no: str, currency: str = "") -> Ledger:
        """The merchant's ledger in ``currency`` with every collection due by now settled."""
        for order in list(self._deferred.values()):
            if order.merchant_no == merchant_no:
                self.catch_up(order)
        ledger = self.store.ledger(merchant_no, currency)
        if ledger.settle_due(self.clock.now()) and self.store.observer is not None:
            self.store.observer.ledger_changed(merchant_no, currency)
        return ledger

    def settle(self, merchant_no: str | None = None) -> dict[str, dict[str, Decimal]]:
        """Settle everything unsettled now, due or not (of one merchant, or all): what
        moved, by merchant and currency."""
        numbers = [merchant_no] if merchant_no else [m.merchant_no for m in self.store.merchants()]
        moved = {
            number: {
                currency: ledger.settle() for currency, ledger in self.store.ledgers(number).items()
            }
            for number in numbers
        }
        if self.store.observer is not None:
            for number, currencies in moved.items():
                for currency in currencies:
                    self.store.observer.ledger_changed(number, currency)
        return moved
