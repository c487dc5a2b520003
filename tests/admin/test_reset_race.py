"""A reset ends every pending or started callback attempt, whatever the delivery log holds.

A callback attempt the dispatcher had started but that had not run yet, and whose
delivery had already left the bounded log, used to apply its status after a reset to the
fresh ledger (``freezeAmount`` -3200.00). The ledger's invariant is asserted after every
race.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, START, TEST_SCENARIOS, payout_body, signed
from tests.support.money import assert_money_adds_up
from vexora_sandbox import CallbackReceiver, SandboxConfig, create_app, keys
from vexora_sandbox.domain.clock import ManualClock

Client = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[Client]]
JOURNAL = 50
BURST = 3000  # larger than the journal: most deliveries have left the log when they run
CURRENCY = "ARS"  # the default area's


@pytest.fixture(scope="module")
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver() as started:
        yield started


async def _sandbox(aiohttp_client: AiohttpClient) -> Client:
    config = SandboxConfig(scenarios=TEST_SCENARIOS, clock="manual", journal_size=JOURNAL)
    return await aiohttp_client(create_app(config, clock=ManualClock(START)))


async def _burst(client: Client, url: str, count: int, prefix: str) -> None:
    """``count`` payouts of 100.00 through the API, a few dozen requests at a time."""

    async def one(n: int) -> None:
        body = signed(payout_body(tradeNo=f"{prefix}{n:06d}", amount="100", notifyUrl=url))
        response = await client.post(
            "/v1/vexora/disbursements", json=body, headers={"merchantNo": MERCHANT_NO}
        )
        assert (await response.json())["code"] == "0000"

    for start in range(0, count, 50):
        await asyncio.gather(*(one(n) for n in range(start, min(start + 50, count))))


@pytest.mark.parametrize("cancel", [True, False], ids=["cancel-and-reset", "reset-only"])
async def test_attempts_started_but_not_run_do_not_touch_the_new_ledger(
    aiohttp_client: AiohttpClient, receiver: CallbackReceiver, cancel: bool
) -> None:
    """With the reset's cancel, and without it: the store's generation alone must keep
    attempts of the old state away from the new one."""
    client = await _sandbox(aiohttp_client)
    app = client.app
    await _burst(client, receiver.url, BURST, "R")
    dispatcher = app[keys.DISPATCHER]
    advancing = asyncio.create_task(dispatcher.advance(2))
    await asyncio.sleep(0)  # the dispatcher has started the due attempts; none has run
    assert dispatcher.in_flight_count > 0
    # What POST /_sandbox/reset does, between the start of those attempts and their run.
    if cancel:
        dispatcher.cancel_all()
    app[keys.STORE].reset()
    await advancing
    await dispatcher.advance(86400)
    ledger = app[keys.STORE].ledger(MERCHANT_NO, CURRENCY)
    assert ledger.as_wire() == {
        "availableAmount": "100000000.00",
        "freezeAmount": "0.00",
        "unsettledAmount": "0.00",
    }
    assert_money_adds_up(app)


async def test_resets_in_the_middle_of_a_burst_larger_than_the_journal(
    aiohttp_client: AiohttpClient, receiver: CallbackReceiver
) -> None:
    client = await _sandbox(aiohttp_client)
    app = client.app
    for round_ in range(2):
        await _burst(client, receiver.url, BURST // 3, f"B{round_}")
        assert_money_adds_up(app)
        advancing = asyncio.create_task(client.post("/_sandbox/clock/advance", json={"seconds": 2}))
        while app[keys.DISPATCHER].in_flight_count == 0 and not advancing.done():
            await asyncio.sleep(0)
        response = await client.post("/_sandbox/reset")
        assert response.status == 200
        assert_money_adds_up(app)
        assert (await advancing).status == 200
        assert_money_adds_up(app)
        await client.post("/_sandbox/clock/advance", json={"seconds": 86400})
        assert_money_adds_up(app)
        ledger = app[keys.STORE].ledger(MERCHANT_NO, CURRENCY)
        assert ledger.freeze == 0
        assert len(list(app[keys.STORE].orders())) == 0
    # A payout after the last reset is exact to the cent.
    await _burst(client, receiver.url, 1, "AFTER")
    await client.post("/_sandbox/clock/advance", json={"seconds": 2})
    assert (
        app[keys.STORE].ledger(MERCHANT_NO, CURRENCY).as_wire()["availableAmount"] == "99999900.00"
    )
    assert_money_adds_up(app)
