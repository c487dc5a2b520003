"""A callback delivery, its attempts, and the bounded log of them."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from vexora_sandbox.callbacks.http import Answer
from vexora_sandbox.domain.clock import epoch_ms
from vexora_sandbox.domain.orders import Order
from vexora_sandbox.scenarios.model import CallbackSpec

TOTAL_BYTES = 64 * 1024 * 1024  # the delivery log's byte budget, like the request journal's
RECORDED_BODY_CHARS = 2048  # of each callback answer, kept in its attempt's record


def size_estimate(order: Order) -> int:
    """About what a delivery of ``order`` holds before its attempts: its body twice (fields
    and bytes; a merchant's ``remark`` is not bounded by the field rules)."""
    return 2 * (len(order.remark) + len(order.notify_url) + len(order.amount) + 512)


def record_size(record: dict[str, Any]) -> int:
    """About what one attempt's record adds: its answer and error texts, and the rest."""
    return 256 + len(record.get("responseBody") or "") + len(record.get("error") or "")


def attempt_record(
    number: int, at_ms: int, seconds: float, answer: Answer, ack: tuple[str, ...]
) -> dict[str, Any]:
    """What the journal shows of one attempt; ``acknowledged`` when the answer is an ack."""
    status, error = answer.status, answer.error
    text = answer.body.decode("utf-8", "replace")
    return {
        "attempt": number,
        "at": at_ms,
        "latencyMs": round(seconds * 1000, 1),
        "responseStatus": status,
        "responseBody": text[:RECORDED_BODY_CHARS],
        "responseTruncated": len(text) > RECORDED_BODY_CHARS
        or (error is not None and status is not None),
        "acknowledged": status == 200 and error is None and text in ack,
        "error": error,
    }


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
    generation: int = 0  # the merchant's state generation (domain.store) it belongs to
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
    """The newest ``limit`` deliveries by id, within about ``total_bytes``; older ones are
    dropped from the log (a pending one is still delivered) and counted.

    A delivery's size is estimated when it is added (``size_estimate``) and grows with
    each attempt recorded (``grew``).
    """

    def __init__(self, limit: int, *, total_bytes: int = TOTAL_BYTES) -> None:
        self.limit = limit
        self.total_bytes = total_bytes
        self._items: OrderedDict[int, tuple[Delivery, int]] = OrderedDict()
        self.bytes = 0
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

    def add(self, delivery: Delivery, size: int = 0) -> None:
        self._items[delivery.id] = (delivery, size)
        self.bytes += size
        self._trim()

    def _trim(self) -> None:
        while len(self._items) > self.limit or (
            self.bytes > self.total_bytes and len(self._items) > 1
        ):
            _, (_, gone) = self._items.popitem(last=False)
            self.bytes -= gone
            self.dropped += 1

    def grew(self, delivery: Delivery, size: int) -> None:
        """``delivery`` now holds ``size`` bytes more (an attempt was recorded)."""
        found = self._items.get(delivery.id)
        if found is None or found[0] is not delivery:
            return
        self._items[delivery.id] = (delivery, found[1] + size)
        self.bytes += size
        self._trim()

    def get(self, delivery_id: int) -> Delivery | None:
        found = self._items.get(delivery_id)
        return None if found is None else found[0]

    def __iter__(self) -> Iterator[Delivery]:
        return (delivery for delivery, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def clear(self, merchant_no: str | None = None) -> None:
        if merchant_no is None:
            self._items.clear()
            self.bytes = 0
            return
        for key in [k for k, (d, _) in self._items.items() if d.order.merchant_no == merchant_no]:
            self.bytes -= self._items.pop(key)[1]
