"""Cancelling callbacks (what POST /_sandbox/reset does): pending ones are dropped, and an
attempt already on the wire is not retried afterwards."""

from __future__ import annotations

import asyncio

from tests.callbacks.conftest import Client, Pay, journal
from vexora_sandbox import keys
from vexora_sandbox.testing import CallbackReceiver, Reply


async def test_cancel_drops_pending_callbacks(
    client: Client, pay: Pay, receiver: CallbackReceiver
) -> None:
    await pay()
    await pay()
    dispatcher = client.app[keys.DISPATCHER]
    assert dispatcher.cancel_all() == 2
    assert dispatcher.pending_count == 0
    await dispatcher.advance(60)
    assert receiver.received == []


async def test_an_attempt_in_flight_when_cancelled_is_not_retried(
    client: Client, pay: Pay, receiver: CallbackReceiver
) -> None:
    receiver.reply(Reply(500, "no", delay=0.3))
    await pay()
    dispatcher = client.app[keys.DISPATCHER]
    advancing = asyncio.create_task(dispatcher.advance(2))
    await receiver.await_for(timeout=2)  # the attempt is on the wire
    assert dispatcher.cancel_all() == 0  # nothing in the heap: it is in flight
    await advancing
    assert dispatcher.pending_count == 0
    await dispatcher.advance(86400)
    assert len(receiver.received) == 1
    (delivery,) = await journal(client)
    assert delivery["cancelled"] is True
    assert delivery["pending"] is False
    (attempt,) = delivery["attempts"]
    assert (attempt["responseStatus"], attempt["nextAttemptAt"]) == (500, None)


async def test_cancelling_one_merchant_leaves_the_others_in_flight_alone(
    client: Client, pay: Pay, receiver: CallbackReceiver
) -> None:
    receiver.reply(Reply(500, "no", delay=0.3))
    await pay()
    dispatcher = client.app[keys.DISPATCHER]
    advancing = asyncio.create_task(dispatcher.advance(2))
    await receiver.await_for(timeout=2)
    dispatcher.cancel_merchant("0000000002")
    await advancing
    assert dispatcher.pending_count == 1  # its retry
