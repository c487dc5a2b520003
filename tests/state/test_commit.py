"""The gateway answers only once what the call changed is committed; a commit that fails
is answered as the gateway's system exception and tried again with the next batch."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import START
from tests.state.conftest import Client, admin, create_payout, running
from vexora_sandbox import SandboxConfig, create_app, keys
from vexora_sandbox.domain.clock import ManualClock
from vexora_sandbox.state.backend import Batch
from vexora_sandbox.state.sqlite import SqliteBackend


class Gated(SqliteBackend):
    """Commits wait for ``gate``; ``fail`` makes the next commit raise."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.gate = threading.Event()
        self.gate.set()
        self.fail = False
        self.batches: list[Batch] = []

    def commit(self, batch: Batch) -> None:
        self.gate.wait(10)
        if self.fail:
            self.fail = False
            raise sqlite3.OperationalError("disk I/O error")
        self.batches.append(batch)
        super().commit(batch)


async def gated_client(state_file: str) -> tuple[Client, Gated]:
    app = create_app(SandboxConfig(state=state_file, clock="manual"), clock=ManualClock(START))
    backend = Gated(state_file)
    app[keys.STATE].backend = backend
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    return client, backend


async def test_the_answer_waits_for_the_commit(state_file: str) -> None:
    client, backend = await gated_client(state_file)
    try:
        backend.gate.clear()
        answer = asyncio.create_task(create_payout(client, "T1"))
        await asyncio.sleep(0.3)
        assert not answer.done()
        backend.gate.set()
        assert (await asyncio.wait_for(answer, 10))["code"] == "0000"
        [batch] = backend.batches
        assert [row[1] for row in batch.orders] == ["T1"]
        assert len(batch.ledgers) == 1 and len(batch.deliveries) == 1
    finally:
        await client.close()


async def test_calls_arriving_during_a_commit_share_the_next_one(state_file: str) -> None:
    client, backend = await gated_client(state_file)
    try:
        backend.gate.clear()
        first = asyncio.create_task(create_payout(client, "T0"))
        await asyncio.sleep(0.2)  # T0's commit is on the writer's thread, waiting
        others = [asyncio.create_task(create_payout(client, f"T{n}")) for n in range(1, 6)]
        await asyncio.sleep(0.3)
        backend.gate.set()
        answers = await asyncio.wait_for(asyncio.gather(first, *others), 10)
        assert [a["code"] for a in answers] == ["0000"] * 6
        assert [[row[1] for row in b.orders] for b in backend.batches] == [
            ["T0"],
            ["T1", "T2", "T3", "T4", "T5"],
        ]
    finally:
        await client.close()


async def test_a_failed_commit_is_a_5000_and_the_change_is_saved_with_the_next(
    state_file: str,
) -> None:
    client, backend = await gated_client(state_file)
    try:
        backend.fail = True
        failed = await create_payout(client, "T1")
        assert (failed["code"], failed["msg"]) == (
            "5000",
            "system exception in the sandbox: could not save its state: disk I/O error",
        )
        assert (await create_payout(client, "T2"))["code"] == "0000"
        saved = [row[1] for batch in backend.batches for row in batch.orders]
        assert saved == ["T1", "T2"]
    finally:
        await client.close()
    async with running(SandboxConfig(state=state_file)) as restarted:
        listed = await admin(restarted, "GET", "transactions")
        assert [t["tradeNo"] for t in listed["transactions"]] == ["T1", "T2"]


async def test_in_memory_nothing_waits() -> None:
    app = create_app(SandboxConfig())
    assert keys.STATE not in app
    async with running(SandboxConfig()) as client:
        assert (await create_payout(client, "T1"))["code"] == "0000"
