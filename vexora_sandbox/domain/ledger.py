"""A merchant's balance in one currency, in decimals: never floats.

A merchant has one ledger per currency (``domain.store``): a payout in IDR does not touch
BDT (each area's balance page answers for the area's currency).

Collected pay-ins wait in ``unsettled`` until they settle into ``available``
(https://docs.vexora.com/guide/areas/ "queryBalance": same-day collections settle on
T+1). Each collection remembers when it falls due; nothing runs per collection: whoever
reads the balance first calls :meth:`Ledger.settle_due` with the current time.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from decimal import Decimal

from vexora_sandbox.errors import GatewayError


@dataclass(slots=True)
class Ledger:
    available: Decimal
    freeze: Decimal = Decimal(0)
    unsettled: Decimal = Decimal(0)
    # Collections waiting to settle: (due time, sequence, amount), earliest first.
    _due: list[tuple[float, int, Decimal]] = field(default_factory=list, repr=False)
    _seq: int = field(default=0, repr=False)

    def reserve(self, amount: Decimal) -> None:
        """A payout is created: move its amount from available to frozen."""
        if amount > self.available:
            raise GatewayError(
                f"insufficient balance: the payout amount {_text(amount)} is more than "
                f"the available balance {_text(self.available)}"
            )
        self.available -= amount
        self.freeze += amount

    def settle_payout(self, amount: Decimal, succeeded: bool) -> None:
        """A payout is final: success spends the frozen amount, failure returns it."""
        self.freeze -= amount
        if not succeeded:
            self.available += amount

    def collect(self, amount: Decimal, settle_at: float | None = None) -> None:
        """A pay-in is paid (fully or in part): the paid amount waits for settlement.

        With ``settle_at`` it settles by itself once :meth:`settle_due` is called at or
        after that time; without it only :meth:`settle` moves it.
        """
        if amount <= 0:
            return
        self.unsettled += amount
        if settle_at is not None:
            self._seq += 1
            heapq.heappush(self._due, (settle_at, self._seq, amount))

    def settle_due(self, now: float) -> Decimal:
        """Move every collection due by ``now`` from unsettled to available; the sum moved."""
        moved = Decimal(0)
        while self._due and self._due[0][0] <= now:
            moved += heapq.heappop(self._due)[2]
        moved = min(moved, self.unsettled)
        self.unsettled -= moved
        self.available += moved
        return moved

    def settle(self, amount: Decimal | None = None) -> Decimal:
        """Move ``amount`` (default: everything) from unsettled to available, oldest first."""
        moved = self.unsettled if amount is None else max(min(amount, self.unsettled), Decimal(0))
        self.unsettled -= moved
        self.available += moved
        left = moved
        while self._due and left > 0:
            due_at, seq, part = self._due[0]
            if part <= left:
                heapq.heappop(self._due)
                left -= part
            else:
                # Same key, smaller amount: the heap order is unchanged.
                self._due[0] = (due_at, seq, part - left)
                left = Decimal(0)
        return moved

    @property
    def next_settlement(self) -> float | None:
        """When the earliest waiting collection falls due (None when nothing waits)."""
        return self._due[0][0] if self._due else None

    def as_wire(self, places: int | None = None) -> dict[str, str | Decimal]:
        """queryBalance's ``data``: strings with two decimals, or (``places`` set) JSON
        numbers with that many, as the Thailand and Cambodia balance pages show
        (``9998989.1200``)."""
        values = (
            ("availableAmount", self.available),
            ("freezeAmount", self.freeze),
            ("unsettledAmount", self.unsettled),
        )
        if places is None:
            return {name: _text(value) for name, value in values}
        step = Decimal(1).scaleb(-places)
        return {name: value.quantize(step) for name, value in values}


def _text(amount: Decimal) -> str:
    """Two decimals, the way balances are shown."""
    return f"{amount:.2f}"
