"""A sandbox restarted on its --state file finds its orders, balances and callbacks."""

from __future__ import annotations

from tests.conftest import MERCHANT_NO
from tests.state.conftest import admin, create_payout, manual, running
from vexora_sandbox import SandboxConfig
from vexora_sandbox.testing import CallbackReceiver, Reply


async def test_orders_and_balances_survive_a_restart(state_file: str) -> None:
    config = SandboxConfig(state=state_file, clock="manual")
    async with running(config, manual()) as client:
        for n in range(3):
            assert (await create_payout(client, f"T{n}"))["code"] == "0000"
        before = await admin(client, "GET", "transactions")
        balance = await client.post(
            "/v1/vexora/balance", json={}, headers={"merchantNo": MERCHANT_NO}
        )
        print(await balance.text())
    async with running(config, manual()) as client:
        after = await admin(client, "GET", "transactions")
    print(before)
    assert after == before
