"""Per-call costs of the cheap per-request levers, next to what they replaced, in one run.

``gateway_time`` (cached per second) against ``datetime.strftime`` each call; platform
numbers (one 31-bit draw, a pair table) against ``random.choices``; ``epoch_ms`` for
scale. Min of 5 repeats of 100,000 calls each, in microseconds per call.
Run: ``.venv/bin/python bench/micro.py``.
"""

from __future__ import annotations

import random
import timeit
from collections.abc import Callable
from datetime import UTC, datetime

import _harness as h

from vexora_sandbox.domain.clock import IdFactory, epoch_ms, gateway_time

NOW = 1_764_000_000.25
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def per_call(fn: Callable[[], object]) -> float:
    return min(timeit.repeat(fn, number=100_000, repeat=5)) * 10  # us per call


def main() -> int:
    print(f"machine: {h.machine()}")
    old_random = random.Random(1)
    count = 0

    def old_platform_no() -> str:
        nonlocal count
        count += 1
        return f"VXP{count:010d}{''.join(old_random.choices(ALPHABET, k=6))}"

    ids = IdFactory(seed=1)
    pairs = [
        (
            "gateway_time",
            lambda: datetime.fromtimestamp(NOW, UTC).strftime("%Y-%m-%d %H:%M:%S"),
            lambda: gateway_time(NOW),
        ),
        ("platform_trade_no", old_platform_no, ids.platform_trade_no),
    ]
    for name, before, after in pairs:
        old, new = per_call(before), per_call(after)
        print(f"{name:<18} before {old:6.2f} us  after {new:6.2f} us  ({old / new:4.1f} x faster)")
    print(f"{'epoch_ms':<18} {per_call(lambda: epoch_ms(NOW)):6.2f} us (not cached: one multiply)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
