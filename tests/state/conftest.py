"""Helpers for --state tests: sandboxes on one state file in turn, under a manual clock."""

from __future__ import annotations

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
