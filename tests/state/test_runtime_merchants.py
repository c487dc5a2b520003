"""Merchants created through POST /_sandbox/merchants are kept in the --state file.

A long-running sandbox whose suites create their own merchants must restart on its file:
the merchant comes back (secret, area, balance, notify URL) before its orders do, and a
merchant deleted through the admin API stays deleted with its orders.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tests.conftest import payout_body, signed
from tests.state.conftest import (
    Client,
    admin,
    create_payout,
    make_version,
    running,
    schema_version,
)
from vexora_sandbox import SandboxConfig

NUMBER = "4000000001"
SECRET = "runtime-secret"


async def create_merchant(client: Client, **fields: Any) -> dict[str, Any]:
    body = {"merchantNo": NUMBER, "secret": SECRET, "balance": "5000.00", **fields}
    response = await client.post("/_sandbox/merchants", json=body)
    assert response.status == 201, await response.text()
    created: dict[str, Any] = await response.json()
    return created


async def call(
    client: Client, endpoint: str, body: dict[str, Any], secret: str = SECRET
) -> dict[str, Any]:
    response = await client.post(
        f"/v1/vexora/{endpoint}", json=signed(body, secret), headers={"merchantNo": NUMBER}
    )
    assert response.status == 200
    answer: dict[str, Any] = await response.json()
    return answer


async def test_a_runtime_merchant_and_its_orders_survive_a_restart(state_file: str) -> None:
    config = SandboxConfig(state=state_file)
    async with running(config) as client:
        await create_merchant(client, notifyUrl="http://127.0.0.1:9/hook")
        created = await call(client, "disbursements", payout_body(tradeNo="R1"))
        assert created["code"] == "0000", created
        shown = await admin(client, "GET", f"merchants/{NUMBER}")
    async with running(config) as client:
        assert await admin(client, "GET", f"merchants/{NUMBER}") == shown
        assert shown["runtime"] is True
        assert (shown["area"], shown["balance"], shown["notifyUrl"]) == (
            "default",
            "5000.00",
            "http://127.0.0.1:9/hook",
        )
        query = await call(
            client, "queryPayOutResult", {"tradeNo": "R1", "timestamp": "1764000000000"}
        )
        assert (query["code"], query["data"]["platFormTradeNo"]) == (
            "0000",
            created["data"]["platFormTradeNo"],
        )
        money = await call(client, "queryBalance", {"timestamp": "1764000000000"})
        assert (money["data"]["availableAmount"], money["data"]["freezeAmount"]) == (
            "4750.00",
            "250.00",
        )
        # The secret is the kept one: a call signed with another is refused.
        wrong = await call(
            client, "queryBalance", {"timestamp": "1764000000000"}, secret="other-secret"
        )
        assert (wrong["code"], wrong["msg"]) == (
            "8000",
            "sign error: sign does not match the body signed with this merchant's secret "
            "(the X-Sandbox-Sign-Base response header shows the string that was hashed)",
        )
        # Still removable (a runtime merchant), with its kept order and pending callback.
        removed = await admin(client, "DELETE", f"merchants/{NUMBER}")
        assert removed == {"deleted": NUMBER, "deletedOrders": 1, "cancelledCallbacks": 1}


async def test_a_deleted_runtime_merchant_stays_deleted(state_file: str) -> None:
    config = SandboxConfig(state=state_file)
    async with running(config) as client:
        await create_merchant(client)
        assert (await call(client, "disbursements", payout_body(tradeNo="R1")))["code"] == "0000"
        await admin(client, "DELETE", f"merchants/{NUMBER}")
    async with running(config) as client:
        response = await client.get(f"/_sandbox/merchants/{NUMBER}")
        assert response.status == 404
        numbers = [m["merchantNo"] for m in (await admin(client, "GET", "merchants"))["merchants"]]
        assert NUMBER not in numbers
        # The number is free again, with none of the old orders.
        await create_merchant(client)
        query = await call(
            client, "queryPayOutResult", {"tradeNo": "R1", "timestamp": "1764000000000"}
        )
        assert (query["code"], query["msg"]) == ("8000", "order R1 does not exist")
    with sqlite3.connect(state_file) as db:
        assert db.execute(
            "SELECT COUNT(*) FROM orders WHERE merchant_no = ?", (NUMBER,)
        ).fetchone() == (0,)
    db.close()


async def test_a_reset_keeps_the_runtime_merchant(state_file: str) -> None:
    config = SandboxConfig(state=state_file)
    async with running(config) as client:
        await create_merchant(client)
        assert (await call(client, "disbursements", payout_body(tradeNo="R1")))["code"] == "0000"
        await admin(client, "POST", "reset", {"merchantNo": NUMBER})
    async with running(config) as client:
        shown = await admin(client, "GET", f"merchants/{NUMBER}")
        assert (shown["runtime"], shown["balance"]) == (True, "5000.00")
        money = await call(client, "queryBalance", {"timestamp": "1764000000000"})
        assert money["data"]["availableAmount"] == "5000.00"


async def test_a_file_of_schema_version_1_gets_the_merchants_and_scenarios_tables(
    state_file: str,
) -> None:
    config = SandboxConfig(state=state_file)
    async with running(config) as client:
        assert (await create_payout(client, "T1"))["code"] == "0000"  # the configured merchant
        before = await admin(client, "GET", "transactions/T1")
    make_version(state_file, 1)
    async with running(config) as client:
        assert await admin(client, "GET", "transactions/T1") == before
        await create_merchant(client)
    async with running(config) as client:
        assert (await admin(client, "GET", f"merchants/{NUMBER}"))["runtime"] is True
    assert schema_version(state_file) == "3"
