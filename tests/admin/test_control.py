"""POST /_sandbox/reset, transactions/{tradeNo}/status, callbacks/{id}/replay, clock/advance."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from tests.admin.conftest import Admin, Client, Payout
from tests.conftest import MERCHANT_NO, SECRET, START, TEST_SCENARIOS
from vexora_sandbox import CallbackReceiver, Reply, SandboxConfig, create_app, keys, verify
from vexora_sandbox.domain.clock import ManualClock, SystemClock
from vexora_sandbox.domain.store import Merchant

OTHER = "0000000002"
OTHER_SECRET = "other-secret"
START_MS = int(START * 1000)


# --- reset -----------------------------------------------------------------------------


async def test_reset_forgets_orders_journals_and_pending_callbacks(
    admin: Admin, payout: Payout, receiver: CallbackReceiver
) -> None:
    await payout("T1")
    status, body = await admin("POST", "reset")
    assert (status, body) == (200, {"reset": "all", "cancelledCallbacks": 1})
    assert (await admin("GET", "transactions"))[1]["transactions"] == []
    assert (await admin("GET", "requests"))[1]["requests"] == []
    assert (await admin("GET", "callbacks"))[1]["callbacks"] == []
    await admin("POST", "clock/advance", {"seconds": 60})
    assert receiver.received == []
    # The same tradeNo is new again, and platform numbers start over.
    again = await payout("T1")
    assert again["code"] == "0000"
    assert again["data"]["platFormTradeNo"].startswith("VXP0000000001")


async def test_reset_stops_a_callback_whose_attempt_was_in_flight(
    admin: Admin, payout: Payout, receiver: CallbackReceiver
) -> None:
    # The merchant answers FAIL, slowly: the attempt is still on the wire during the
    # reset, and must not come back as a retry in the next test.
    receiver.reply(Reply(200, "FAIL", delay=0.3))
    await payout("T1")
    advancing = asyncio.ensure_future(admin("POST", "clock/advance", {"seconds": 2}))
    await receiver.await_for("T1", timeout=5)
    assert not advancing.done()
    assert (await admin("POST", "reset"))[0] == 200
    assert (await asyncio.wait_for(advancing, 5))[0] == 200
    receiver.clear()
    await admin("POST", "clock/advance", {"seconds": 3600})
    assert receiver.received == []
    assert (await admin("GET", "callbacks"))[1]["callbacks"] == []


class TestResetOneMerchant:
    @pytest.fixture
    def config(self) -> SandboxConfig:
        return SandboxConfig(
            scenarios=TEST_SCENARIOS,
            merchants=(Merchant(MERCHANT_NO, SECRET), Merchant(OTHER, OTHER_SECRET)),
        )

    async def test_it_leaves_the_other_merchants_orders(
        self, admin: Admin, payout: Payout, receiver: CallbackReceiver
    ) -> None:
        await payout("T1")
        await payout("T2", merchant_no=OTHER, secret=OTHER_SECRET)
        status, body = await admin("POST", "reset", {"merchantNo": OTHER})
        assert (status, body) == (200, {"reset": OTHER, "cancelledCallbacks": 1})
        _, remaining = await admin("GET", "transactions")
        assert [(o["merchantNo"], o["tradeNo"]) for o in remaining["transactions"]] == [
            (MERCHANT_NO, "T1")
        ]
        _, journal = await admin("GET", "requests")
        assert [e["merchantNo"] for e in journal["requests"]] == [MERCHANT_NO]
        await admin("POST", "clock/advance", {"seconds": 2})
        assert [c.trade_no for c in receiver.received] == ["T1"]

    async def test_by_query_parameter_too(self, admin: Admin, payout: Payout) -> None:
        await payout("T1")
        await payout("T2", merchant_no=OTHER, secret=OTHER_SECRET)
        status, _ = await admin("POST", "reset", params={"merchantNo": MERCHANT_NO})
        assert status == 200
        _, remaining = await admin("GET", "transactions")
        assert [o["tradeNo"] for o in remaining["transactions"]] == ["T2"]

    async def test_the_same_trade_no_at_two_merchants_needs_merchant_no(
        self, admin: Admin, payout: Payout
    ) -> None:
        await payout("T1")
        await payout("T1", merchant_no=OTHER, secret=OTHER_SECRET)
        status, body = await admin("GET", "transactions/T1")
        assert (status, body["error"]) == (409, "2 merchants have an order T1; add merchantNo")
        assert body["merchantNos"] == [MERCHANT_NO, OTHER]
        status, order = await admin("GET", "transactions/T1", params={"merchantNo": OTHER})
        assert (status, order["merchantNo"]) == (200, OTHER)
        status, forced = await admin(
            "POST", "transactions/T1/status", {"status": "00029", "merchantNo": OTHER}
        )
        assert (status, forced["transaction"]["merchantNo"]) == (200, OTHER)


# --- forced status ---------------------------------------------------------------------


async def test_forcing_a_status_applies_it_and_sends_its_callback(
    admin: Admin, payout: Payout, receiver: CallbackReceiver
) -> None:
    await payout("T1", accountNo="000000000990015")  # stays 0015, no callback of its own
    status, body = await admin(
        "POST", "transactions/T1/status", {"status": "60019", "message": "INSUFFICIENT_FUNDS"}
    )
    assert status == 200
    assert body["applied"] is True
    assert body["previousStatus"] == "0015"
    assert body["transaction"]["status"] == "60019"
    assert body["transaction"]["history"] == [
        {"status": "60019", "message": "INSUFFICIENT_FUNDS", "at": START_MS}
    ]
    callback = await receiver.await_for("T1", timeout=5)
    assert callback.body["status"] == "60019"
    assert callback.body["message"] == "INSUFFICIENT_FUNDS"
    assert callback.sign_valid
    _, delivery = await admin("GET", f"callbacks/{body['callback']}")
    assert delivery["origin"] == "forced"


async def test_forcing_a_status_out_of_a_final_one_sends_the_callback_but_keeps_the_order(
    admin: Admin, payout: Payout, receiver: CallbackReceiver
) -> None:
    await payout("T1")
    await admin("POST", "clock/advance", {"seconds": 2})
    status, body = await admin("POST", "transactions/T1/status", {"status": "00029"})
    assert status == 200
    assert (body["applied"], body["previousStatus"]) == (False, "0000")
    assert body["transaction"]["status"] == "0000"
    late = await receiver.await_for("T1", status="00029", timeout=5)
    assert late.body["message"] == "REJECTED_TRANSACTION"


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({}, 'status is required, as a string such as "0000"'),
        ({"status": 0}, 'status is required, as a string such as "0000"'),
        (
            {"status": "0000", "amount": 100},
            "amount must be a string (callback values are strings)",
        ),
        (
            {"status": "0000", "message": 1},
            "message must be a string (callback values are strings)",
        ),
    ],
)
async def test_a_bad_forced_status_is_400(
    admin: Admin, payout: Payout, payload: dict[str, object], error: str
) -> None:
    await payout("T1")
    assert await admin("POST", "transactions/T1/status", payload) == (400, {"error": error})


async def test_a_body_that_is_not_a_json_object_is_400(client: Client) -> None:
    response = await client.post("/_sandbox/reset", data=b"{nope")
    assert response.status == 400
    assert (await response.json())["error"].startswith("the body is not valid JSON")
    response = await client.post("/_sandbox/reset", data=b"[1]")
    assert (response.status, await response.json()) == (
        400,
        {"error": "the body must be a JSON object"},
    )


# --- replay ----------------------------------------------------------------------------


async def test_replay_sends_the_recorded_callback_again_byte_for_byte(
    admin: Admin, payout: Payout, receiver: CallbackReceiver
) -> None:
    await payout("T1")
    await admin("POST", "clock/advance", {"seconds": 2})
    first = await receiver.await_for("T1", timeout=5)
    # Let business time pass: a callback built again would carry another timestamp.
    await admin("POST", "clock/advance", {"seconds": 3600})
    status, body = await admin("POST", "callbacks/1/replay")
    assert (status, body) == (200, {"callback": 2, "replayOf": 1})
    again = await receiver.await_for("T1", count=2, timeout=5)
    assert again.raw == first.raw
    assert verify(again.body, SECRET)
    # The receiver has the bytes; advancing by nothing waits until the sandbox has its answer.
    await admin("POST", "clock/advance", {"seconds": 0})
    _, delivery = await admin("GET", "callbacks/2")
    assert (delivery["origin"], delivery["replayOf"], delivery["acknowledged"]) == (
        "replay",
        1,
        True,
    )


async def test_a_callback_not_sent_yet_cannot_be_replayed(admin: Admin, payout: Payout) -> None:
    await payout("T1")
    status, body = await admin("POST", "callbacks/1/replay")
    assert (status, body) == (409, {"error": "callback 1 has not been sent yet"})


# --- clock -----------------------------------------------------------------------------


async def test_advancing_the_manual_clock_sends_what_falls_due(
    admin: Admin, payout: Payout, receiver: CallbackReceiver
) -> None:
    await payout("T1")
    status, body = await admin("POST", "clock/advance", {"seconds": 1.5})
    assert (status, body) == (200, {"now": START_MS + 1500, "callbackAttempts": 0})
    assert receiver.received == []
    status, body = await admin("POST", "clock/advance", {"seconds": 0.5})
    assert (status, body) == (200, {"now": START_MS + 2000, "callbackAttempts": 1})
    assert [c.status for c in receiver.received] == ["0000"]
    assert await admin("GET", "clock") == (200, {"now": START_MS + 2000, "manual": True})


@pytest.mark.parametrize("payload", [{}, {"seconds": -1}, {"seconds": "5"}, {"seconds": True}])
async def test_a_bad_advance_is_400(admin: Admin, payload: dict[str, object]) -> None:
    assert await admin("POST", "clock/advance", payload) == (
        400,
        {"error": "seconds is required, as a non-negative number"},
    )


class TestSystemClock:
    @pytest.fixture
    def app(self, config: SandboxConfig, clock: ManualClock) -> web.Application:
        app = create_app(config)
        assert isinstance(app[keys.CLOCK], SystemClock)
        return app

    async def test_advance_needs_the_manual_clock(self, admin: Admin) -> None:
        assert await admin("POST", "clock/advance", {"seconds": 1}) == (
            409,
            {"error": "the clock is not manual; start the sandbox with --clock manual"},
        )
