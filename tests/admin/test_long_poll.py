"""Long-poll waiters (``GET /_sandbox/callbacks?wait=``) cost nothing per callback.

200 waiters used to make 2,000 payouts take 124 s instead of 3.4 s: every finished
callback woke every waiter, and each scanned the whole delivery log. Only the waiters a
callback matches are woken now, and the log is scanned once per waiter, not per wake-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from tests.admin.conftest import Admin, Client, Payout
from vexora_sandbox import CallbackReceiver, keys
from vexora_sandbox.callbacks.delivery import Delivery, DeliveryLog

WAITERS = 60  # the test client opens at most 100 connections at once
PAYOUTS = 300


async def test_callbacks_wake_only_the_waiters_they_match(
    client: Client,
    admin: Admin,
    payout: Payout,
    receiver: CallbackReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scans = 0
    plain_iter = DeliveryLog.__iter__

    def counting_iter(self: DeliveryLog) -> Iterator[Delivery]:
        nonlocal scans
        scans += 1
        return plain_iter(self)

    monkeypatch.setattr(DeliveryLog, "__iter__", counting_iter)
    for n in range(PAYOUTS):
        assert (await payout(f"T{n}"))["code"] == "0000"
    idle = [
        asyncio.ensure_future(
            admin("GET", "callbacks", params={"tradeNo": f"NONE{n}", "wait": "3"})
        )
        for n in range(WAITERS)
    ]
    wanted = asyncio.ensure_future(
        admin("GET", "callbacks", params={"tradeNo": f"T{PAYOUTS - 1}", "wait": "30"})
    )
    dispatcher = client.app[keys.DISPATCHER]
    for _ in range(500):
        if len(dispatcher._waiters) == WAITERS + 1:
            break
        await asyncio.sleep(0.01)
    assert len(dispatcher._waiters) == WAITERS + 1
    scans = 0
    await admin("POST", "clock/advance", {"seconds": 2})
    assert len(receiver.received) == PAYOUTS
    status, body = await wanted
    assert status == 200
    (delivery,) = body["callbacks"]
    assert (delivery["tradeNo"], delivery["acknowledged"]) == (f"T{PAYOUTS - 1}", True)
    # The woken waiter's one look at the log, and the admin routes' own: never one per
    # callback and waiter (that was WAITERS x PAYOUTS = 18,000).
    assert scans <= 5
    answers: list[tuple[int, Any]] = await asyncio.gather(*idle)
    assert {status for status, _ in answers} == {408}
    assert answers[0][1] == {"error": "no matching callback was sent within 3 seconds"}
