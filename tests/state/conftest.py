"""Helpers for --state tests: sandboxes on one state file in turn, under a manual clock."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import MERCHANT_NO, START, payout_body, signed
from vexora_sandbox import SandboxConfig, create_app
from vexora_sandbox.domain.clock import ManualClock
from vexora_sandbox.state.codecs import ORDERS
from vexora_sandbox.state.order_rows import STORED, logical

Client = TestClient[web.Request, web.Application]


@pytest.fixture
def state_file(tmp_path: Path) -> str:
    return str(tmp_path / "state.db")


@asynccontextmanager
async def running(config: SandboxConfig, at: float = START) -> AsyncIterator[Client]:
    """The sandbox on a free port, its manual clock at ``at``, until the block ends (a
    clean stop: the last commit is made)."""
    app = create_app(config.replace(clock="manual"), clock=ManualClock(at))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def gateway(client: Client, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(
        f"/v1/vexora/{endpoint}", json=signed(body), headers={"merchantNo": MERCHANT_NO}
    )
    assert response.status == 200
    answer: dict[str, Any] = await response.json()
    return answer


async def create_payout(client: Client, trade_no: str, **fields: Any) -> dict[str, Any]:
    return await gateway(client, "disbursements", payout_body(tradeNo=trade_no, **fields))


async def balance(client: Client) -> dict[str, Any]:
    answer = await gateway(client, "queryBalance", {"timestamp": "1764000000000"})
    assert answer["code"] == "0000", answer
    data: dict[str, Any] = answer["data"]
    return data


async def admin(client: Client, method: str, path: str, body: Any = None) -> Any:
    response = await client.request(method, f"/_sandbox/{path}", json=body)
    assert response.status == 200, await response.text()
    return await response.json()


async def advance(client: Client, seconds: float) -> None:
    await admin(client, "POST", "clock/advance", {"seconds": seconds})


async def callbacks(client: Client) -> list[dict[str, Any]]:
    deliveries: list[dict[str, Any]] = (await admin(client, "GET", "callbacks"))["callbacks"]
    return deliveries


# The orders' table as schema versions 1 and 2 wrote it: one column per field.
VERSION_2_ORDERS = """
CREATE TABLE orders (
    merchant_no TEXT NOT NULL, trade_no TEXT NOT NULL, platform_trade_no TEXT NOT NULL,
    kind TEXT NOT NULL, endpoint TEXT NOT NULL, area TEXT NOT NULL, amount TEXT NOT NULL,
    notify_url TEXT NOT NULL, remark TEXT NOT NULL, created_at REAL NOT NULL,
    status TEXT NOT NULL, message TEXT NOT NULL, success_time REAL, paid_amount TEXT,
    awaits_submit INTEGER NOT NULL, extras TEXT NOT NULL, history TEXT NOT NULL,
    currency TEXT NOT NULL, deferred TEXT NOT NULL, notes TEXT NOT NULL,
    UNIQUE (merchant_no, trade_no)
)
"""


def make_version(state_file: str, version: int) -> None:
    """Turn a state file into what schema version 2 (or 1) wrote: flat order columns, no
    scenarios' table (nor, in version 1, a merchants' one)."""
    db = sqlite3.connect(state_file)
    with db:
        kept = db.execute(f"SELECT {', '.join(STORED.columns)} FROM orders ORDER BY rowid")
        rows = [logical(row) for row in kept.fetchall()]
        db.execute("DROP TABLE orders")
        db.execute("DROP TABLE scenarios")
        if version < 2:
            db.execute("DROP TABLE merchants")
        db.execute(VERSION_2_ORDERS)
        # Version 2 had every column of codecs.ORDERS but the last, the repeated payments.
        columns = ORDERS.columns[:-1]
        marks = ", ".join("?" * len(columns))
        db.executemany(
            f"INSERT INTO orders ({', '.join(columns)}) VALUES ({marks})",
            [row[: len(columns)] for row in rows],
        )
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    db.close()


def schema_version(state_file: str) -> str:
    db = sqlite3.connect(state_file)
    [version] = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    db.close()
    return str(version)
