"""The pending callbacks by due time: one heap for the whole sandbox (design rule 7).

Ties keep the order of scheduling, so callbacks due at the same moment (a scenario's
``repeat``, or orders created under a clock that stands still) start in the order they
were made.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator

from vexora_sandbox.callbacks.delivery import Delivery


class Schedule:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Delivery]] = []
        self._seq = 0

    def push(self, delivery: Delivery) -> bool:
        """Queue ``delivery`` at its ``due_at``; whether it is now the first due."""
        self._seq += 1
        heapq.heappush(self._heap, (delivery.due_at, self._seq, delivery))
        return self._heap[0][2] is delivery

    def first_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def take_due(self, until: float) -> Iterator[Delivery]:
        """Remove and yield, in order, every delivery due at ``until`` or before."""
        heap = self._heap
        while heap and heap[0][0] <= until:
            yield heapq.heappop(heap)[2]

    def drop(self, match: Callable[[Delivery], bool]) -> list[Delivery]:
        """Remove the deliveries ``match`` accepts; them."""
        kept: list[tuple[float, int, Delivery]] = []
        dropped: list[Delivery] = []
        for item in self._heap:
            if match(item[2]):
                dropped.append(item[2])
            else:
                kept.append(item)
        if dropped:
            heapq.heapify(kept)
            self._heap = kept
        return dropped

    def __len__(self) -> int:
        return len(self._heap)

    def __iter__(self) -> Iterator[Delivery]:
        return (item[2] for item in self._heap)
