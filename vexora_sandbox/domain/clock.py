"""Time and randomness, injected (design rule 5).

Nothing else in the package reads the wall clock or a random source for business
purposes: tests use :class:`ManualClock` and advance it, and ``--seed`` makes
:class:`IdFactory` reproducible.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Business time in epoch seconds."""

    manual: bool

    def now(self) -> float: ...


class SystemClock:
    """The wall clock."""

    manual = False

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to (``advance``/``set``)."""

    manual = True

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("a clock cannot go back")
        self._now += seconds
        return self._now

    def set(self, when: float) -> None:
        if when < self._now:
            raise ValueError("a clock cannot go back")
        self._now = when


def epoch_ms(seconds: float) -> int:
    return round(seconds * 1000)


def gateway_time(seconds: float) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in UTC (the docs do not name a zone; sandbox choice)."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


class IdFactory:
    """Platform order numbers: unique by a counter, reproducible under a seed."""

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
        self._random = random.Random(seed)
        self._count = 0

    def platform_trade_no(self) -> str:
        self._count += 1
        tail = "".join(self._random.choices(_ALPHABET, k=6))
        return f"VXP{self._count:010d}{tail}"

    def issued(self) -> int:
        """Platform order numbers handed out since the start or the last reset."""
        return self._count

    def token(self, length: int = 16) -> str:
        return "".join(self._random.choices(_ALPHABET, k=length))

    def reset(self) -> None:
        self._random = random.Random(self._seed)
        self._count = 0
