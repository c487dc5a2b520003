"""GET /_sandbox/transactions, requests and callbacks: what a test inspects after a call."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.admin.conftest import Admin, Client, Payout
from tests.conftest import MERCHANT_NO, START, payout_body
from vexora_sandbox import CallbackReceiver, Reply

START_MS = int(START * 1000)


# --- transactions ----------------------------------------------------------------------


async def test_transactions_lists_every_order_with_its_fields(
    admin: Admin, payout: Payout, receiver: CallbackReceiver
) -> None:
    answer = await payout("T1", remark="order-42")
    status, body = await admin("GET", "transactions")
    assert status == 200
    assert body["count"] == 1
    (order,) = body["transactions"]
    assert order == {
        "merchantNo": MERCHANT_NO,
        "tradeNo": "T1",
        "platFormTradeNo": answer["data"]["platFormTradeNo"],
        "kind": "payout",
        "endpoint": "disbursements",
        "area": "default",
        "amount": "250",
        "paidAmount": None,
        "status": "0015",
        "message": "Processing",
        "remark": "order-42",
        "notifyUrl": receiver.url,
        "createdAt": START_MS,
        "successTime": None,
        "extras": {},
        "history": [],
        "callbacks": [1],
        "notes": [],
        "repeats": [],
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["T1", "T2", "T3"]),
        ({"tradeNo": "T2"}, ["T2"]),
        ({"status": "0000"}, ["T1", "T3"]),
        ({"status": "00029"}, ["T2"]),
        ({"endpoint": "disbursements"}, ["T1", "T2", "T3"]),
        ({"endpoint": "checkout"}, []),
        ({"merchantNo": MERCHANT_NO}, ["T1", "T2", "T3"]),
        ({"merchantNo": MERCHANT_NO, "status": "0000", "tradeNo": "T3"}, ["T3"]),
    ],
)
async def test_transactions_filters(
    admin: Admin, payout: Payout, query: dict[str, str], expected: list[str]
) -> None:
    await payout("T1")
    await payout("T2", accountNo="000000000990029")  # the shipped payout-rejected scenario
    await payout("T3")
    await admin("POST", "clock/advance", {"seconds": 3})
    status, body = await admin("GET", "transactions", params=query)
    assert status == 200
    assert [o["tradeNo"] for o in body["transactions"]] == expected
    assert body["count"] == len(expected)


async def test_one_transaction_carries_its_status_history(
    admin: Admin, payout: Payout, receiver: CallbackReceiver
) -> None:
    await payout("T1")
    await admin("POST", "clock/advance", {"seconds": 2})
    await admin("POST", "transactions/T1/status", {"status": "00029"})
    status, order = await admin("GET", "transactions/T1")
    assert status == 200
    assert order["status"] == "0000"
    assert order["successTime"] == "2025-11-24 16:00:02"
    assert order["history"] == [{"status": "0000", "message": "SUCCESS", "at": START_MS + 2000}]
    assert order["callbacks"] == [1, 2]


# --- requests --------------------------------------------------------------------------


async def test_the_request_journal_records_method_path_merchant_body_and_answer(
    admin: Admin, payout: Payout
) -> None:
    answer = await payout("T1")
    status, body = await admin("GET", "requests")
    assert status == 200
    (entry,) = body["requests"]
    assert entry["method"] == "POST"
    assert entry["path"] == "/v1/vexora/disbursements"
    assert entry["endpoint"] == "disbursements"
    assert entry["merchantNo"] == MERCHANT_NO
    assert entry["body"]["tradeNo"] == "T1"
    assert entry["body"]["sign"]
    assert entry["httpStatus"] == 200
    assert entry["response"] == answer
    assert entry["scenario"] == "default"
    assert "error" not in entry


async def test_a_rejected_call_records_its_reason_and_the_sign_base(
    admin: Admin, client: Client
) -> None:
    body = {**payout_body(tradeNo="T9"), "sign": "0" * 32}
    await client.post("/v1/vexora/disbursements", json=body, headers={"merchantNo": MERCHANT_NO})
    _, journal = await admin("GET", "requests")
    (entry,) = journal["requests"]
    assert entry["response"]["code"] == "8000"
    assert entry["error"].startswith("sign error: sign does not match")
    assert entry["signBase"] == (
        "accountNo=0000003100012345678901amount=250email=ana.garcia@example.com"
        "firstname=Analastname=Garcíamobile=0912345678notifyUrl=http://127.0.0.1:9/notify"
        "remark=order-42timestamp=1764000000000tradeNo=T9{secret}"
    )


async def test_a_call_breaking_a_field_rule_records_every_error(
    admin: Admin, payout: Payout
) -> None:
    await payout("T1", mobile="081234567890", email="nope")
    _, journal = await admin("GET", "requests", params={"tradeNo": "T1"})
    (entry,) = journal["requests"]
    assert entry["error"] == (
        'mobile must be a 10-digit number starting with 0 (e.g. 09XXXXXXXX); got "081234567890"'
        " (12 digits)"
    )
    assert entry["errors"] == [
        entry["error"],
        'email must be an email address (e.g. name@example.com); got "nope"',
    ]


async def test_requests_filters(admin: Admin, payout: Payout) -> None:
    await payout("T1")
    await payout("T2")
    for query, expected in [
        ({"tradeNo": "T2"}, ["T2"]),
        ({"merchantNo": MERCHANT_NO}, ["T1", "T2"]),
        ({"endpoint": "disbursements"}, ["T1", "T2"]),
        ({"endpoint": "queryPayOutResult"}, []),
    ]:
        _, journal = await admin("GET", "requests", params=query)
        assert [e["body"]["tradeNo"] for e in journal["requests"]] == expected, query


# --- callbacks -------------------------------------------------------------------------


async def test_callbacks_show_every_attempt(
    admin: Admin, payout: Payout, receiver: CallbackReceiver
) -> None:
    receiver.script([Reply(500, "oops"), "FAIL"])
    answer = await payout("T1")
    await admin("POST", "clock/advance", {"seconds": 2 + 2 + 5})
    status, body = await admin("GET", "callbacks", params={"tradeNo": "T1"})
    assert status == 200
    (callback,) = body["callbacks"]
    assert callback["id"] == 1
    assert callback["tradeNo"] == "T1"
    assert callback["platFormTradeNo"] == answer["data"]["platFormTradeNo"]
    assert callback["status"] == "0000"
    assert callback["url"] == receiver.url
    assert callback["body"] == receiver.received[0].body
    assert callback["acknowledged"] is True
    assert callback["pending"] is False
    attempts = [
        (a["attempt"], a["at"], a["responseStatus"], a["responseBody"], a["acknowledged"])
        for a in callback["attempts"]
    ]
    assert attempts == [
        (1, START_MS + 2000, 500, "oops", False),
        (2, START_MS + 4000, 200, "FAIL", False),
        (3, START_MS + 9000, 200, "OK", True),
    ]


async def test_callbacks_filters(admin: Admin, payout: Payout, receiver: CallbackReceiver) -> None:
    await payout("T1")
    await payout("T2", accountNo="000000000990029")
    receiver.script(["OK", "FAIL"])  # T1's callback acknowledged, T2's not (yet)
    await admin("POST", "clock/advance", {"seconds": 3})
    for query, expected in [
        ({}, [("T1", "0000"), ("T2", "00029")]),
        ({"tradeNo": "T2"}, [("T2", "00029")]),
        ({"status": "0000"}, [("T1", "0000")]),
        ({"acknowledged": "true"}, [("T1", "0000")]),
        ({"acknowledged": "false"}, [("T2", "00029")]),
        ({"tradeNo": "T1", "acknowledged": "false"}, []),
    ]:
        _, body = await admin("GET", "callbacks", params=query)
        assert [(c["tradeNo"], c["status"]) for c in body["callbacks"]] == expected, query


async def test_one_callback_by_id(admin: Admin, payout: Payout) -> None:
    await payout("T1")
    await admin("POST", "clock/advance", {"seconds": 2})
    status, callback = await admin("GET", "callbacks/1")
    assert status == 200
    assert (callback["id"], callback["tradeNo"], callback["acknowledged"]) == (1, "T1", True)


async def test_a_long_poll_returns_as_soon_as_the_callback_lands(
    admin: Admin, payout: Payout, receiver: CallbackReceiver
) -> None:
    await payout("T1")
    started = time.monotonic()
    poll = asyncio.ensure_future(
        admin("GET", "callbacks", params={"tradeNo": "T1", "status": "0000", "wait": "10"})
    )
    await asyncio.sleep(0.1)  # real time: the poll is waiting, not business time passing
    assert not poll.done()
    await admin("POST", "clock/advance", {"seconds": 2})
    status, body = await asyncio.wait_for(poll, 5)
    elapsed = time.monotonic() - started
    assert status == 200
    assert [c["tradeNo"] for c in body["callbacks"]] == ["T1"]
    assert body["callbacks"][0]["attempts"][0]["responseBody"] == "OK"
    # Generous for a busy machine, yet far from the 10 s the poll would wait without it.
    assert elapsed < 8, f"the long-poll took {elapsed:.2f} s of its 10"


async def test_a_long_poll_already_satisfied_answers_at_once(admin: Admin, payout: Payout) -> None:
    await payout("T1")
    await admin("POST", "clock/advance", {"seconds": 2})
    started = time.monotonic()
    status, body = await admin("GET", "callbacks", params={"tradeNo": "T1", "wait": "30"})
    assert (status, body["count"]) == (200, 1)
    assert time.monotonic() - started < 10  # of its 30


async def test_a_long_poll_waits_for_a_callback_that_was_attempted_not_only_queued(
    admin: Admin, payout: Payout
) -> None:
    await payout("T1")  # its callback is queued for 2 s later: not sent yet
    status, body = await admin("GET", "callbacks", params={"tradeNo": "T1", "wait": "0.2"})
    assert status == 408
    assert body == {"error": "no matching callback was sent within 0.2 seconds"}


async def test_a_long_poll_times_out_with_408(admin: Admin) -> None:
    started = time.monotonic()
    status, body = await admin("GET", "callbacks", params={"tradeNo": "NOPE", "wait": "0.3"})
    elapsed = time.monotonic() - started
    assert status == 408
    assert body == {"error": "no matching callback was sent within 0.3 seconds"}
    assert 0.3 <= elapsed < 5  # the wait is a floor; the ceiling only a sanity bound


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"wait": "soon"}, "wait must be a number; got 'soon'"),
        ({"wait": "-1"}, "wait must be between 0 and 300; got -1"),
        ({"wait": "301"}, "wait must be between 0 and 300; got 301"),
        ({"acknowledged": "maybe"}, "acknowledged must be true or false; got 'maybe'"),
    ],
)
async def test_bad_callback_filters_are_400_with_a_message(
    admin: Admin, query: dict[str, str], error: str
) -> None:
    assert await admin("GET", "callbacks", params=query) == (400, {"error": error})
