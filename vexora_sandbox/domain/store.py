"""Per-merchant state: orders and balances. Lookups raise NotFound instead of returning None."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from vexora_sandbox.domain.ledger import Ledger
from vexora_sandbox.domain.orders import Order
from vexora_sandbox.errors import GatewayError, NotFound


def duplicate_error(trade_no: str) -> GatewayError:
    return GatewayError(f"duplicate tradeNo: {trade_no} was already used by this merchant")


@dataclass(frozen=True, slots=True)
class Merchant:
    """A merchant the sandbox serves. The secret never leaves through the admin API."""

    merchant_no: str
    secret: str
    area: str = "default"
    balance: Decimal = Decimal("100000000")
    # Where callbacks go when a body has no notifyUrl (Kenya's and Mexico's payout pages
    # make it optional: "not passed as configured in merchant backend"); "" for none.
    notify_url: str = ""
    # Created through POST /_sandbox/merchants (removable), not read from the configuration.
    runtime: bool = False


# The built-in merchant a sandbox serves when none is configured: the README's, the CLI's
# and the test helpers' default.
DEFAULT_MERCHANT = Merchant("0000000001", "sandbox-secret", "default")


@dataclass(slots=True)
class MerchantState:
    merchant: Merchant
    # One ledger per currency, each starting at the configured balance when first used.
    ledgers: dict[str, Ledger] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    by_platform: dict[str, Order] = field(default_factory=dict)
    # KYC applications: userId -> kycNumber (a repeat for the same user gets the same one).
    kyc: dict[str, str] = field(default_factory=dict)
    # Counts resets: work queued for an earlier generation (a callback) must not apply.
    generation: int = 0


class StoreObserver(Protocol):
    """Told of every change, to keep the state elsewhere too (``vexora_sandbox.state``)."""

    def order_changed(self, order: Order) -> None: ...

    def ledger_changed(self, merchant_no: str, currency: str) -> None: ...

    def forget(self, merchant_no: str | None) -> None: ...

    def merchant_added(self, merchant: Merchant) -> None: ...

    def merchant_removed(self, merchant_no: str) -> None: ...


class Store:
    """Every merchant's orders and ledger."""

    def __init__(self, merchants: Iterable[Merchant]) -> None:
        self._merchants = {m.merchant_no: m for m in merchants}
        self._states: dict[str, MerchantState] = {}
        self.observer: StoreObserver | None = None
        self.reset()

    def reset(self, merchant_no: str | None = None) -> None:
        """Forget orders and restore the configured balance (of one merchant, or all)."""
        targets = [merchant_no] if merchant_no else list(self._merchants)
        for number in targets:
            merchant = self.merchant(number)
            old = self._states.get(number)
            generation = 0 if old is None else old.generation + 1
            self._states[number] = MerchantState(merchant, generation=generation)
        if self.observer is not None:
            self.observer.forget(merchant_no)

    def generation(self, merchant_no: str) -> int:
        """How many times the merchant's state was reset."""
        return self.state(merchant_no).generation

    def holds(self, order: Order) -> bool:
        """Whether ``order`` is still stored: false once a reset forgot it."""
        state = self._states.get(order.merchant_no)
        return state is not None and state.orders.get(order.trade_no) is order

    def merchant(self, merchant_no: str) -> Merchant:
        try:
            return self._merchants[merchant_no]
        except KeyError:
            raise NotFound(f"merchant {merchant_no} is not configured") from None

    def merchants(self) -> list[Merchant]:
        return list(self._merchants.values())

    def add_merchant(self, merchant: Merchant) -> Merchant:
        """Serve a new merchant from now on, with its starting balance; ValueError if taken."""
        if merchant.merchant_no in self._merchants:
            raise ValueError(f"merchant {merchant.merchant_no} already exists")
        self._merchants[merchant.merchant_no] = merchant
        self._states[merchant.merchant_no] = MerchantState(merchant)
        if self.observer is not None:
            self.observer.merchant_added(merchant)
        return merchant

    def remove_merchant(self, merchant_no: str) -> Merchant:
        """Forget a merchant with its orders and ledger; NotFound if it is not served."""
        merchant = self.merchant(merchant_no)
        del self._merchants[merchant_no]
        self._states.pop(merchant_no, None)
        if self.observer is not None:
            self.observer.merchant_removed(merchant_no)
        return merchant

    def state(self, merchant_no: str) -> MerchantState:
        try:
            return self._states[merchant_no]
        except KeyError:
            raise NotFound(f"merchant {merchant_no} is not configured") from None

    def add(self, order: Order) -> Order:
        """Store a new order; a tradeNo the merchant already used is a request error."""
        state = self.state(order.merchant_no)
        if order.trade_no in state.orders:
            raise duplicate_error(order.trade_no)
        state.orders[order.trade_no] = order
        state.by_platform[order.platform_trade_no] = order
        self.changed(order)
        return order

    def changed(self, order: Order) -> None:
        """``order`` (and so its merchant's ledger) changed."""
        if self.observer is not None:
            self.observer.order_changed(order)

    def has(self, merchant_no: str, trade_no: str) -> bool:
        return trade_no in self.state(merchant_no).orders

    def order(self, merchant_no: str, trade_no: str) -> Order:
        try:
            return self.state(merchant_no).orders[trade_no]
        except KeyError:
            raise NotFound(f"order {trade_no} does not exist") from None

    def order_by_platform(self, merchant_no: str, platform_trade_no: str) -> Order:
        try:
            return self.state(merchant_no).by_platform[platform_trade_no]
        except KeyError:
            raise NotFound(f"order {platform_trade_no} does not exist") from None

    def orders(self, merchant_no: str | None = None) -> Iterator[Order]:
        states = [self.state(merchant_no)] if merchant_no else self._states.values()
        for state in states:
            yield from state.orders.values()

    def ledger(self, merchant_no: str, currency: str = "") -> Ledger:
        """The merchant's ledger in ``currency`` (created with the configured balance)."""
        state = self.state(merchant_no)
        ledger = state.ledgers.get(currency)
        if ledger is None:
            ledger = state.ledgers[currency] = Ledger(state.merchant.balance)
        return ledger

    def ledgers(self, merchant_no: str) -> dict[str, Ledger]:
        """The merchant's ledgers used so far, by currency."""
        return dict(self.state(merchant_no).ledgers)
