"""Time formatting and platform order numbers (vexora_sandbox/domain/clock.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from vexora_sandbox.domain.clock import IdFactory, epoch_ms, gateway_time

START = 1_764_000_000.0  # 2025-11-24 16:00:00 UTC


def reference(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize(
    "seconds",
    [START, START + 0.5, START + 0.999998, START + 0.9999996, START + 1, 0.0, 86399.9999999],
)
def test_gateway_time_is_utc_to_the_second_as_datetime_rounds_it(seconds: float) -> None:
    assert gateway_time(seconds) == reference(seconds)


def test_gateway_time_moves_with_the_second_in_any_order() -> None:
    # The cache holds one second: going forward, back and to the edge of a second must
    # never give a stale text.
    times = [START + 0.1, START + 0.2, START + 1.1, START + 0.3, START + 0.9999996, START + 2]
    assert [gateway_time(t) for t in times] == [reference(t) for t in times]
    assert gateway_time(START + 1.1) == "2025-11-24 16:00:01"


def test_epoch_ms_rounds_to_the_millisecond() -> None:
    assert epoch_ms(START + 0.0015) == 1_764_000_000_002
    assert epoch_ms(START) == 1_764_000_000_000


def test_platform_numbers_are_unique_and_shaped_vxp_count_and_six_characters() -> None:
    ids = IdFactory()
    numbers = [ids.platform_trade_no() for _ in range(20_000)]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"VXP\d{10}[0-9a-z]{6}", n) for n in numbers)
    assert numbers[0].startswith("VXP0000000001") and numbers[-1].startswith("VXP0000020000")
    # The tails are random, not a handful of values.
    assert len({n[-6:] for n in numbers}) > 19_900
    assert ids.issued() == 20_000


def test_platform_numbers_are_reproducible_under_a_seed_and_after_a_reset() -> None:
    first, second = IdFactory(seed=42), IdFactory(seed=42)
    run = [first.platform_trade_no() for _ in range(5)]
    assert run == [second.platform_trade_no() for _ in range(5)]
    assert run != [IdFactory(seed=43).platform_trade_no() for _ in range(5)]
    first.reset()
    assert first.issued() == 0
    assert [first.platform_trade_no() for _ in range(5)] == run
