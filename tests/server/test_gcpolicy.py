"""The GC policy: stored state is frozen once enough orders exist, and unfrozen on reset."""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import Client, payout_body
from vexora_sandbox import keys
from vexora_sandbox.gcpolicy import GCPolicy


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    """Every test starts and ends with nothing frozen (the freeze is process-wide)."""
    gc.unfreeze()
    yield
    gc.unfreeze()


class Counter:
    def __init__(self) -> None:
        self.value = 0

    def __call__(self) -> int:
        return self.value


def test_nothing_is_frozen_below_the_threshold() -> None:
    issued = Counter()
    policy = GCPolicy(issued, start_at=10)
    issued.value = 9
    policy.tick()
    assert gc.get_freeze_count() == 0
    assert policy.freezes == 0


def test_freezes_once_the_store_reaches_the_threshold_and_again_only_as_it_grows() -> None:
    issued = Counter()
    policy = GCPolicy(issued, start_at=10)
    issued.value = 10
    policy.tick()
    assert gc.get_freeze_count() > 0
    assert policy.freezes == 1
    policy.tick()  # no order created since: nothing to freeze
    assert policy.freezes == 1
    issued.value = 11
    policy.tick()
    assert policy.freezes == 2


def test_a_full_reset_unfreezes_and_the_threshold_counts_again_from_zero() -> None:
    issued = Counter()
    policy = GCPolicy(issued, start_at=10)
    issued.value = 50
    policy.tick()
    assert gc.get_freeze_count() > 0
    issued.value = 3  # the platform numbers start again after a full reset
    policy.tick()
    assert gc.get_freeze_count() == 0
    assert (policy.freezes, policy.unfreezes) == (1, 1)
    issued.value = 9
    policy.tick()
    assert gc.get_freeze_count() == 0


def test_disabled_policy_never_freezes() -> None:
    issued = Counter()
    policy = GCPolicy(issued, start_at=1, enabled=False)
    issued.value = 100
    policy.tick()
    assert gc.get_freeze_count() == 0


async def test_the_app_freezes_stored_orders_unfreezes_on_reset_and_on_stop(
    app: web.Application,
    client: Client,
    gateway: Callable[..., Awaitable[tuple[int, dict[str, Any]]]],
) -> None:
    policy = app[keys.GC_POLICY]
    policy.start_at = 2
    for n in (1, 2):
        status, answer = await gateway("disbursements", payout_body(tradeNo=f"GC{n}"))
        assert (status, answer["code"]) == (200, "0000")
    policy.tick()  # the running policy ticks once a second; driven here without waiting
    assert gc.get_freeze_count() > 0
    response = await client.post("/_sandbox/reset", json={})
    assert response.status == 200
    policy.tick()
    assert gc.get_freeze_count() == 0
    status, answer = await gateway("disbursements", payout_body(tradeNo="GC3"))
    status, answer = await gateway("disbursements", payout_body(tradeNo="GC4"))
    policy.tick()
    assert gc.get_freeze_count() > 0
    await client.close()  # the application stops: everything is handed back
    assert gc.get_freeze_count() == 0
