"""An order's callback attempts as an SVG timeline, laid out here and drawn by a template.

One row per callback: the time it fell due, each attempt (green acknowledged, red not),
the next retry still to come, and whether it gave up. Time runs from the order's creation
on a logarithmic scale, since the gateway's retries go from 2 seconds to 3 hours apart.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from vexora_sandbox.callbacks.delivery import Delivery
from vexora_sandbox.domain.orders import Order

LEFT, RIGHT, TOP, ROW = 150.0, 680.0, 34.0, 30.0
WIDTH = 800


@dataclass(frozen=True)
class Mark:
    kind: str  # created | due | ack | failed | next
    x: float
    y: float
    title: str


@dataclass
class Row:
    label: str
    y: float
    x1: float
    x2: float
    marks: list[Mark] = field(default_factory=list)
    end: str = ""


@dataclass
class Timeline:
    width: int
    height: int
    rows: list[Row]
    ticks: list[tuple[float, str]]
    created: Mark


def _span(seconds: float) -> str:
    if seconds < 60:
        return f"+{seconds:g} s"
    if seconds < 3600:
        return f"+{seconds / 60:.3g} min"
    return f"+{seconds / 3600:.3g} h"


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at)) + f".{int(at * 1000) % 1000:03d}"


def build(order: Order, deliveries: Iterable[Delivery]) -> Timeline:
    start = order.created_at
    rows_in = list(deliveries)
    moments = [start]
    for d in rows_in:
        moments.extend(a["at"] / 1000 for a in d.attempts)
        if d.next_attempt_at is not None:
            moments.append(d.next_attempt_at)
        if not d.attempts:
            moments.append(d.due_at)
    span = max(max(moments) - start, 1.0)

    def x(at: float) -> float:
        share = math.log1p(max(at - start, 0.0)) / math.log1p(span)
        return round(LEFT + share * (RIGHT - LEFT), 1)

    rows: list[Row] = []
    for index, d in enumerate(rows_in):
        y = TOP + ROW * (index + 1)
        marks: list[Mark] = []
        if not d.attempts and d.pending:
            marks.append(Mark("due", x(d.due_at), y, f"due at {_clock(d.due_at)}"))
        for a in d.attempts:
            answer = (
                f"HTTP {a['responseStatus']} {a['responseBody'][:60]!r}"
                if a["responseStatus"] is not None
                else str(a["error"])
            )
            kind = "ack" if a["acknowledged"] else "failed"
            title = f"attempt {a['attempt']} at {_clock(a['at'] / 1000)}: {answer}"
            marks.append(Mark(kind, x(a["at"] / 1000), y, title))
        if d.next_attempt_at is not None and d.pending:
            at = d.next_attempt_at
            marks.append(Mark("next", x(at), y, f"next attempt at {_clock(at)}"))
        end = (
            "acknowledged"
            if d.acknowledged
            else "gave up"
            if d.gave_up
            else "cancelled"
            if d.cancelled
            else "pending"
        )
        xs = [m.x for m in marks] or [LEFT]
        label = f"#{d.id} {d.status} ({d.origin})"
        rows.append(Row(label, y, min(xs), max(xs), marks, end))
    ticks = [(x(start + s), _span(s)) for s in (0.0, 2, 10, 60, 600, 3600, 36000) if s <= span]
    created = Mark("created", LEFT, TOP, f"created at {_clock(start)}")
    height = int(TOP + ROW * (len(rows) + 1) + 10)
    return Timeline(WIDTH, height, rows, ticks, created)
