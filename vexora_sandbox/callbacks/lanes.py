"""Fair sharing of the callback slots between destinations (the one home of the
per-destination cap).

Due callbacks wait in one queue per destination (``http.Destination``: scheme, host, port);
destinations take turns, round-robin, so no destination's backlog holds back another's.
What a destination may hold at once depends on how it behaved last (sandbox choice; no
gateway page decides):

- ``good`` (its last attempt got an HTTP answer, any status): up to half the slots;
- ``new`` (no attempt finished yet): up to an eighth of the slots, and all new destinations
  together up to a quarter;
- ``failing`` (its last attempt got no answer: a timeout, a refused connection): one
  attempt at a time, and all failing destinations together up to a quarter.

So destinations that do not answer never hold more than half of the slots, however many they
are, and a destination that answers is never kept waiting behind them for longer than one
attempt of theirs. Nothing here does I/O; the dispatcher starts what ``next`` hands out.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from typing import Literal

from vexora_sandbox.callbacks.delivery import Delivery
from vexora_sandbox.callbacks.http import Destination

Health = Literal["good", "new", "failing"]
HEALTHS: tuple[Health, ...] = ("good", "new", "failing")
Key = Destination | None  # None: a URL that cannot be used (fails at once, holds no connection)
REMEMBERED_DESTINATIONS = 4096  # health kept for this many destinations, the least recent forgotten


class Lanes:
    def __init__(self, slots: int) -> None:
        self.slots = max(1, slots)
        self.caps: dict[Health, int] = {
            "good": max(1, self.slots // 2),
            "new": max(1, self.slots // 8),
            "failing": 1,
        }
        self.pools: dict[Health, int] = {
            "new": max(1, self.slots // 4),
            "failing": max(1, self.slots // 4),
        }
        self._pool_busy: dict[Health, int] = {"new": 0, "failing": 0}
        self._queues: dict[Key, deque[Delivery]] = {}
        self._turns: dict[Health, deque[Key]] = {h: deque() for h in HEALTHS}
        self._capped: set[Key] = set()  # destinations with work, at their own cap
        self._listed: set[Key] = set()  # destinations in a turn queue or capped
        self._busy: dict[Key, int] = {}
        self._health: OrderedDict[Key, Health] = OrderedDict()
        self._next_class = 0
        self.waiting = 0

    def health(self, key: Key) -> Health:
        if key is None:
            return "good"
        return self._health.get(key, "new")

    def _cap(self, key: Key) -> int:
        return self.slots if key is None else self.caps[self.health(key)]

    def busy(self, key: Key) -> int:
        return self._busy.get(key, 0)

    def add(self, delivery: Delivery, key: Key) -> None:
        """A due delivery waits for its destination's turn."""
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
        queue.append(delivery)
        self.waiting += 1
        if key not in self._listed:
            self._list(key)

    def _list(self, key: Key) -> None:
        self._listed.add(key)
        if self.busy(key) >= self._cap(key):
            self._capped.add(key)
        else:
            self._turns[self.health(key)].append(key)

    def next(self) -> tuple[Delivery, Key, Health] | None:
        """The next delivery to start (its destination and the class it is counted in), or
        None."""
        for step in range(len(HEALTHS)):
            health = HEALTHS[(self._next_class + step) % len(HEALTHS)]
            if health in self.pools and self._pool_busy[health] >= self.pools[health]:
                continue
            picked = self._take(health)
            if picked is not None:
                self._next_class = (self._next_class + step + 1) % len(HEALTHS)
                return picked
        return None

    def _take(self, health: Health) -> tuple[Delivery, Key, Health] | None:
        turns = self._turns[health]
        while turns:
            key = turns.popleft()
            queue = self._queues.get(key)
            if not queue:
                self._queues.pop(key, None)
                self._listed.discard(key)
                continue
            if self.health(key) != health:  # its health changed while it waited
                self._listed.discard(key)
                self._list(key)
                continue
            if self.busy(key) >= self._cap(key):
                self._capped.add(key)
                continue
            delivery = queue.popleft()
            self.waiting -= 1
            if queue:
                turns.append(key)
            else:
                del self._queues[key]
                self._listed.discard(key)
            self._busy[key] = self.busy(key) + 1
            if health in self._pool_busy:
                self._pool_busy[health] += 1
            return delivery, key, health
        return None

    def finish(self, key: Key, counted: Health, answered: bool | None) -> None:
        """An attempt started by ``next`` is over; ``answered``: whether an HTTP status came
        back (None when no attempt was made)."""
        busy = self._busy[key] - 1
        if busy:
            self._busy[key] = busy
        else:
            del self._busy[key]
        if counted in self._pool_busy:
            self._pool_busy[counted] -= 1
        if answered is not None and key is not None:
            self._health[key] = "good" if answered else "failing"
            self._health.move_to_end(key)
            if len(self._health) > REMEMBERED_DESTINATIONS:
                self._health.popitem(last=False)
        if key in self._capped and busy < self._cap(key):
            self._capped.discard(key)
            self._listed.discard(key)
            if self._queues.get(key):
                self._list(key)
            else:
                self._queues.pop(key, None)

    def drop(self, match: Callable[[Delivery], bool]) -> int:
        """Remove the waiting deliveries that ``match``; how many (turns clean up lazily)."""
        dropped = 0
        for key, queue in list(self._queues.items()):
            kept = deque(d for d in queue if not match(d))
            dropped += len(queue) - len(kept)
            self._queues[key] = kept
        self.waiting -= dropped
        return dropped

    def __iter__(self) -> Iterator[Delivery]:
        for queue in self._queues.values():
            yield from queue
