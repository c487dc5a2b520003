"""A callback delivery, its attempts, and the bounded log of them."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from vexora_sandbox.domain.clock import epoch_ms
from vexora_sandbox.domain.orders import Order
from vexora_sandbox.scenarios.model import CallbackSpec


@dataclass(eq=False, slots=True)
class Delivery:
    """One callback: built when it falls due, then attempted until acknowledged or given up.

    Retries send the same bytes as the first attempt (a replay too), so a merchant's
    de-duplication can be tested against exactly what the gateway would repeat.
    """

    id: int
    order: Order
    url: str
    due_at: float
    spec: CallbackSpec | None = None
    origin: str = "scenario"  # scenario | forced | replay
    scenario: str = ""
    body: dict[str, str] | None = None
    payload: bytes | None = None
    applied: bool | None = None  # whether its status changed the order
    attempts: list[dict[str, Any]] = field(default_factory=list)
    acknowledged: bool = False
    gave_up: bool = False
    cancelled: bool = False
    next_attempt_at: float | None = None
    replay_of: int | None = None
    # How overdue it was when a restart found it (--state): it is sent at once.
    late_ms: int | None = None

    @property
    def status(self) -> str:
        if self.body is not None:
            return self.body.get("status", "")
        return self.spec.status if self.spec else ""

    @property
    def pending(self) -> bool:
        return not (self.acknowledged or self.gave_up or self.cancelled)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "merchantNo": self.order.merchant_no,
            "tradeNo": self.order.trade_no,
            "platFormTradeNo": self.order.platform_trade_no,
            "status": self.status,
            "url": self.url,
            "origin": self.origin,
            "scenario": self.scenario,
            "replayOf": self.replay_of,
            "dueAt": epoch_ms(self.due_at),
            "body": self.body,
            "sign": None if self.body is None else self.body.get("sign"),
            "appliedToOrder": self.applied,
            "acknowledged": self.acknowledged,
            "gaveUp": self.gave_up,
            "cancelled": self.cancelled,
            "pending": self.pending,
            "nextAttemptAt": None
            if self.next_attempt_at is None
            else epoch_ms(self.next_attempt_at),
            "attempts": self.attempts,
            "lateMs": self.late_ms,
        }


class DeliveryLog:
    """The newest ``limit`` deliveries by id; older ones are dropped and counted."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[int, Delivery] = OrderedDict()
        self.dropped = 0
        self._next_id = 1

    @property
    def next_id(self) -> int:
        return self._next_id

    def resume(self, next_id: int) -> None:
        """Go on numbering from ``next_id`` (a restart with --state)."""
        self._next_id = max(self._next_id, next_id)

    def new_id(self) -> int:
        value = self._next_id
        self._next_id += 1
        return value

    def add(self, delivery: Delivery) -> None:
        self._items[delivery.id] = delivery
        while len(self._items) > self.limit:
            self._items.popitem(last=False)
            self.dropped += 1

    def get(self, delivery_id: int) -> Delivery | None:
        return self._items.get(delivery_id)

    def __iter__(self) -> Iterator[Delivery]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def clear(self, merchant_no: str | None = None) -> None:
        if merchant_no is None:
            self._items.clear()
            return
        for key in [k for k, d in self._items.items() if d.order.merchant_no == merchant_no]:
            del self._items[key]
