"""A sandbox restarted on its --state file finds its orders, balances and callbacks.

Each test stops a sandbox cleanly and starts another on the same file; the kill test
(test_kill.py) does the same with SIGKILL.
"""

from __future__ import annotations

from tests.conftest import START
from tests.state.conftest import (
    admin,
    advance,
    balance,
    callbacks,
    create_payout,
    gateway,
    running,
)
from vexora_sandbox import SandboxConfig
from vexora_sandbox.testing import CallbackReceiver, Reply


async def test_orders_with_their_history_and_the_balance_survive_a_restart(
    state_file: str,
) -> None:
    config = SandboxConfig(state=state_file)
    with CallbackReceiver() as receiver:
        async with running(config) as client:
            for n in range(3):
                answer = await create_payout(client, f"T{n}", notifyUrl=receiver.url)
                assert answer["code"] == "0000"
            await advance(client, 2)  # the default scenario: SUCCESS after 2 s
            assert (await create_payout(client, "T3", notifyUrl=receiver.url))["code"] == "0000"
            before = await admin(client, "GET", "transactions")
            money = await balance(client)
        assert money["availableAmount"] == "99999000.00"  # 4 x 250 gone, 3 spent
        assert money["freezeAmount"] == "250.00"
        async with running(config) as client:
            assert await admin(client, "GET", "transactions") == before
            assert await balance(client) == money
            query = await gateway(
                client, "queryPayOutResult", {"tradeNo": "T1", "timestamp": "1764000000000"}
            )
            assert (query["code"], query["data"]["status"]) == ("0000", "0000")
            # Platform order numbers go on counting: no number is issued twice.
            created = await create_payout(client, "T4", notifyUrl=receiver.url)
            issued = {t["platFormTradeNo"] for t in before["transactions"]}
            assert created["data"]["platFormTradeNo"] not in issued
            # A tradeNo used before the restart is still a duplicate.
            again = await create_payout(client, "T0", notifyUrl=receiver.url)
            assert (again["code"], again["msg"]) == (
                "8000",
                "duplicate tradeNo: T0 was already used by this merchant",
            )


async def test_a_pending_callback_is_sent_after_the_restart_on_its_schedule(
    state_file: str,
) -> None:
    config = SandboxConfig(state=state_file)
    with CallbackReceiver() as receiver:
        async with running(config) as client:
            await create_payout(client, "T1", notifyUrl=receiver.url)
        assert receiver.received == []
        async with running(config) as client:
            await advance(client, 1.9)
            assert receiver.received == []
            await advance(client, 0.1)
            got = await receiver.await_for("T1", "0000")
            [delivery] = await callbacks(client)
            assert delivery["acknowledged"] is True
            assert delivery["lateMs"] is None  # due after the restart: not late
            assert delivery["attempts"][0]["at"] == int((START + 2) * 1000)
        assert got.body["tradeNo"] == "T1"


async def test_a_callback_due_while_the_sandbox_was_down_fires_at_once_marked_late(
    state_file: str,
) -> None:
    config = SandboxConfig(state=state_file)
    with CallbackReceiver() as receiver:
        async with running(config) as client:
            await create_payout(client, "T1", notifyUrl=receiver.url)
        # Started 60 s later: the callback was due 58 s ago.
        async with running(config, at=START + 60) as client:
            await receiver.await_for("T1", "0000")
            await advance(client, 0)  # the attempt's record
            [delivery] = await callbacks(client)
            assert delivery["lateMs"] == 58_000
            assert delivery["acknowledged"] is True
            assert delivery["attempts"][0]["at"] == int((START + 60) * 1000)
            data = await gateway(
                client, "queryPayOutResult", {"tradeNo": "T1", "timestamp": "1764000000000"}
            )
            assert data["data"]["status"] == "0000"


async def test_an_acknowledged_callback_is_never_sent_again(state_file: str) -> None:
    config = SandboxConfig(state=state_file)
    with CallbackReceiver() as receiver:
        async with running(config) as client:
            await create_payout(client, "T1", notifyUrl=receiver.url)
            await advance(client, 2)
            await receiver.await_for("T1", "0000")
        async with running(config, at=START + 100_000) as client:
            await advance(client, 100_000)
            [delivery] = await callbacks(client)
            assert delivery["acknowledged"] is True
            assert len(delivery["attempts"]) == 1
        assert len(receiver.matching("T1")) == 1


async def test_retries_go_on_after_a_restart_with_the_same_bytes(state_file: str) -> None:
    config = SandboxConfig(state=state_file)
    with CallbackReceiver() as receiver:
        receiver.reply(Reply(500, "busy"))
        async with running(config) as client:
            await create_payout(client, "T1", notifyUrl=receiver.url)
            await advance(client, 2)  # first attempt: 500, the next one 2 s later
            [first] = await callbacks(client)
            assert first["attempts"][0]["responseStatus"] == 500
            assert first["nextAttemptAt"] == int((START + 4) * 1000)
        receiver.reply("OK")
        async with running(config) as client:
            await advance(client, 2)
            [delivery] = await callbacks(client)
            assert [a["responseStatus"] for a in delivery["attempts"]] == [500, 200]
            assert delivery["acknowledged"] is True
        sent = receiver.matching("T1")
        assert len(sent) == 2
        assert sent[0].raw == sent[1].raw


async def test_a_reset_is_kept_too(state_file: str) -> None:
    config = SandboxConfig(state=state_file)
    with CallbackReceiver() as receiver:
        async with running(config) as client:
            await create_payout(client, "T1", notifyUrl=receiver.url)
            await admin(client, "POST", "reset", {})
            await create_payout(client, "T2", notifyUrl=receiver.url)
        async with running(config) as client:
            listed = await admin(client, "GET", "transactions")
            assert [t["tradeNo"] for t in listed["transactions"]] == ["T2"]
            assert (await balance(client))["freezeAmount"] == "250.00"
            await advance(client, 2)
            await receiver.await_for("T2", "0000")
        assert receiver.matching("T1") == []


async def test_in_memory_by_default_nothing_is_kept(tmp_path: object) -> None:
    async with running(SandboxConfig()) as client:
        await create_payout(client, "T1")
    async with running(SandboxConfig()) as client:
        assert (await admin(client, "GET", "transactions"))["count"] == 0
