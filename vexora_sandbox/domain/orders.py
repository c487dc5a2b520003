"""Orders and the one table their status moves along.

Statuses (https://docs.vexora.com/guide/areas/ "Transaction status"): ``0015`` in
progress, ``0000`` success, ``0001`` partial payment (pay-ins only), ``00029`` failed, and
any other value a failure with a reason code. Final statuses are final.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal

from vexora_sandbox.errors import TransitionError

PROCESSING = "0015"
SUCCESS = "0000"
PARTIAL = "0001"
FAILED = "00029"

# What a pay-in in progress says (the checkout answer's ``desc``), where a payout says
# "Processing" (https://docs.vexora.com/guide/areas/ checkout: desc "Paying").
PAYING = "Paying"

# Messages the gateway pairs with a status when a scenario does not say otherwise.
DEFAULT_MESSAGES = {
    PROCESSING: "Processing",
    SUCCESS: "SUCCESS",
    PARTIAL: "PARTIAL_PAYMENT",
    FAILED: "REJECTED_TRANSACTION",
    "60019": "INSUFFICIENT_FUNDS",
    "60030": "PAYEE_MAXIMUM_BALANCE_EXCEEDED",
    "0100019": "PAYEE_DAILY_CUMULATIVE_AMT_REACHED",
    "0100007": "PAYEE_DAILY_CUMULATIVE_COUNT_REACHED",
    "0100023": "PAYEE_MONTHLY_CUMULATIVE_COUNT_REACHED",
    "0100024": "DUPLICATE_REFERENCE_NUMBER_LEVEL2",
    "00028": "AMOUNT_NOT_NUMERIC",
    "00032": "UNKNOWN_ERROR",
}


def default_message(status: str) -> str:
    return DEFAULT_MESSAGES.get(status, "FAILED")


class OrderKind(enum.StrEnum):
    PAYOUT = "payout"
    PAYIN = "payin"


def is_final(status: str) -> bool:
    return status != PROCESSING


def is_success(status: str) -> bool:
    return status in (SUCCESS, PARTIAL)


def allowed(kind: OrderKind, current: str, new: str) -> bool:
    """The transitions table: from ``0015`` to any final status; nothing out of a final one.

    ``0001`` (partial payment) exists for pay-ins only.
    """
    if current != PROCESSING or new == PROCESSING:
        return False
    return not (new == PARTIAL and kind is OrderKind.PAYOUT)


@dataclass(slots=True)
class StatusChange:
    status: str
    message: str
    at: float


@dataclass(slots=True)
class Repeat:
    """A payment made on a pay-in after its first successful one: Australia's and Mexico's
    paymentQuery pages record each ("If multiple payments are made for the same order,
    each additional payment will be recorded"). ``status`` 0000, or a failure code for an
    attempt that paid nothing."""

    amount: str
    status: str
    at: float


@dataclass(slots=True)
class Order:
    """One merchant order. ``amount`` is the text the merchant sent, echoed as-is."""

    merchant_no: str
    trade_no: str
    platform_trade_no: str
    kind: OrderKind
    endpoint: str
    area: str
    amount: str
    amount_value: Decimal
    notify_url: str
    remark: str
    created_at: float
    # The area's currency: the ledger the order moves (domain.store keeps one per currency).
    currency: str = ""
    status: str = PROCESSING
    message: str = "Processing"
    success_time: float | None = None
    paid_amount: str | None = None
    extras: dict[str, str] = field(default_factory=dict)
    # A P2P pay-in waits for the payer's wallet transaction id (payinSubmit) before the
    # gateway checks it; its callbacks are queued only once that arrives.
    awaits_submit: bool = False
    history: list[StatusChange] = field(default_factory=list)
    # Status changes due without a callback, for an order with no notify URL at all:
    # (due time, status, message, paid amount), earliest first (domain.payments.catch_up).
    deferred: list[tuple[float, str, str, str | None]] = field(default_factory=list)
    # What the order's record says happened beside its status history (why no callback).
    notes: list[str] = field(default_factory=list)
    # Payments after the first successful one, oldest first (domain.payments.pay_again).
    repeats: list[Repeat] = field(default_factory=list)

    def transition(self, status: str, message: str, at: float) -> StatusChange:
        """Move to ``status`` if the table allows it; raise TransitionError otherwise."""
        if not allowed(self.kind, self.status, status):
            raise TransitionError(f"order {self.trade_no} cannot go from {self.status} to {status}")
        change = StatusChange(status, message, at)
        self.status = status
        self.message = message
        if is_success(status):
            self.success_time = at
        self.history.append(change)
        return change
