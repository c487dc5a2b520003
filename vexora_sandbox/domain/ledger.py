"""A merchant's balances, in decimals: never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from vexora_sandbox.errors import GatewayError


@dataclass(slots=True)
class Ledger:
    available: Decimal
    freeze: Decimal = Decimal(0)
    unsettled: Decimal = Decimal(0)

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

    def collect(self, amount: Decimal) -> None:
        """A pay-in is paid (fully or in part): the paid amount waits for settlement."""
        self.unsettled += amount

    def settle(self, amount: Decimal | None = None) -> Decimal:
        """Move ``amount`` (default: everything) from unsettled to available."""
        moved = self.unsettled if amount is None else min(amount, self.unsettled)
        self.unsettled -= moved
        self.available += moved
        return moved

    def as_wire(self) -> dict[str, str]:
        return {
            "availableAmount": _text(self.available),
            "freezeAmount": _text(self.freeze),
            "unsettledAmount": _text(self.unsettled),
        }


def _text(amount: Decimal) -> str:
    """Two decimals, the way balances are shown."""
    return f"{amount:.2f}"
