"""The admin API's changes and the payer's actions are answered once committed, like the
gateway's answers (tests/state/test_commit.py): each answer below is held while the commit
is held, and the batch it waited for holds the change."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from aiohttp import ClientResponse

from tests.conftest import MERCHANT_NO, START, signed
from tests.payins.conftest import payin_body
from tests.state.conftest import Client, admin, create_payout
from tests.state.test_commit import Gated, gated_client
from vexora_sandbox import keys
from vexora_sandbox.state.backend import Batch
from vexora_sandbox.state.codecs import MERCHANTS
from vexora_sandbox.state.order_rows import STORED

T = TypeVar("T")
STATUS = STORED.columns.index("status")


async def held(client: Client, backend: Gated, call: Awaitable[T]) -> tuple[T, Batch]:
    """``call``'s result, checked to wait while the commit is held, and the batch it
    waited for (the first one after the call)."""
    await client.app[keys.STATE].drain()  # nothing else on its way to the file
    before = len(backend.batches)
    backend.gate.clear()
    task = asyncio.ensure_future(call)
    await asyncio.sleep(0.3)
    assert not task.done(), "answered before its commit"
    backend.gate.set()
    result = await asyncio.wait_for(task, 10)
    return result, backend.batches[before]


async def post(client: Client, path: str, body: Any = None) -> ClientResponse:
    return await client.post(f"/_sandbox/{path}", json=body)


async def test_a_forced_status_waits_for_its_commit(state_file: str) -> None:
    client, backend = await gated_client(state_file)
    try:
        assert (await create_payout(client, "T1"))["code"] == "0000"
        forcing = post(client, "transactions/T1/status", {"status": "00029"})
        response, batch = await held(client, backend, forcing)
        assert response.status == 200
        assert (await response.json())["transaction"]["status"] == "00029"
        [row] = batch.orders
        assert (row[1], row[STATUS]) == ("T1", "00029")
        assert len(batch.deliveries) == 1  # the forced callback
    finally:
        await client.close()


async def test_a_clock_advance_waits_for_its_commit(state_file: str) -> None:
    client, backend = await gated_client(state_file)
    try:
        response, batch = await held(
            client, backend, post(client, "clock/advance", {"seconds": 90})
        )
        assert response.status == 200
        assert batch.meta["clock"] == repr(START + 90)
    finally:
        await client.close()


async def payment_page(client: Client, trade_no: str) -> str:
    body = signed(payin_body("kenya", tradeNo=trade_no))
    created = await client.post(
        "/kenya/v1/vexora/checkout", json=body, headers={"merchantNo": MERCHANT_NO}
    )
    answer = await created.json()
    assert answer["code"] == "0000", answer
    url: str = answer["data"]["paymentUrl"]
    return url[url.index("/_sandbox/") :]


async def test_the_payers_action_waits_for_its_commit(state_file: str) -> None:
    client, backend = await gated_client(state_file)
    try:
        page = await payment_page(client, "P1")
        pressing = client.post(page, data={"action": "full"}, allow_redirects=False)
        response, batch = await held(client, backend, pressing)
        assert (response.status, response.headers["Location"]) == (303, f"{page}?done=full")
        [row] = batch.orders
        assert (row[1], row[STATUS]) == ("P1", "0000")
    finally:
        await client.close()


async def test_the_payer_hears_of_a_failed_commit(state_file: str) -> None:
    client, backend = await gated_client(state_file)
    try:
        page = await payment_page(client, "P1")
        backend.fail = True
        response = await client.post(page, data={"action": "full"}, allow_redirects=False)
        assert response.status == 503
        assert await response.text() == (
            "system exception in the sandbox: could not save its state: disk I/O error"
        )
    finally:
        await client.close()


async def test_a_runtime_merchant_waits_for_its_commit(state_file: str) -> None:
    client, backend = await gated_client(state_file)
    try:
        creating = post(client, "merchants", {"merchantNo": "2000000001", "secret": "s" * 16})
        response, batch = await held(client, backend, creating)
        assert response.status == 201
        [row] = batch.merchants
        assert row[MERCHANTS.columns.index("merchant_no")] == "2000000001"
    finally:
        await client.close()


async def test_a_reset_waits_for_its_commit(state_file: str) -> None:
    client, backend = await gated_client(state_file)
    try:
        assert (await create_payout(client, "T1"))["code"] == "0000"
        response, batch = await held(
            client, backend, post(client, "reset", {"merchantNo": MERCHANT_NO})
        )
        assert response.status == 200
        assert batch.forget == [MERCHANT_NO]
    finally:
        await client.close()


async def test_a_failed_commit_is_a_503_and_the_change_is_saved_with_the_next(
    state_file: str,
) -> None:
    client, backend = await gated_client(state_file)
    try:
        assert (await create_payout(client, "T1"))["code"] == "0000"
        backend.fail = True
        response = await post(client, "transactions/T1/status", {"status": "00029"})
        assert response.status == 503
        assert await response.json() == {
            "error": "system exception in the sandbox: could not save its state: disk I/O error"
        }
        await admin(client, "POST", "clock/advance", {"seconds": 1})  # the next commit
        saved = [row[STATUS] for batch in backend.batches for row in batch.orders]
        assert saved == ["0015", "00029"]
    finally:
        await client.close()


async def test_reads_do_not_wait(state_file: str) -> None:
    client, backend = await gated_client(state_file)
    try:
        backend.gate.clear()
        response = await client.get("/_sandbox/clock")
        assert response.status == 200
    finally:
        backend.gate.set()
        await client.close()


async def test_a_runtime_scenario_waits_for_its_commit(state_file: str) -> None:
    client, backend = await gated_client(state_file)
    try:
        text = 'name: refuse\nresponse: {code: "8000"}\n'
        posting = client.post(f"/_sandbox/scenarios?merchantNo={MERCHANT_NO}", data=text)
        response, batch = await held(client, backend, posting)
        assert response.status == 201
        assert batch.scenarios == {MERCHANT_NO: [(MERCHANT_NO, 0, "refuse", text, 0)]}
    finally:
        await client.close()
