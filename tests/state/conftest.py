"""Fixtures for --state tests: a state file in pytest's tmp_path, sandboxes on it in turn."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
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
async def running(
    config: SandboxConfig, clock: ManualClock | None = None
) -> AsyncIterator[Client]:
    """A sandbox on a free port until the block ends (a clean stop: cleanup contexts run)."""
    app = create_app(config, clock=clock)
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


def manual(at: float = START) -> ManualClock:
    return ManualClock(at)


async def create_payout(client: Client, trade_no: str, **fields: Any) -> dict[str, Any]:
    response = await client.post(
        "/v1/vexora/disbursements",
        json=signed(payout_body(tradeNo=trade_no, **fields)),
        headers={"merchantNo": MERCHANT_NO},
    )
    answer: dict[str, Any] = await response.json()
    return answer


async def admin(client: Client, method: str, path: str, **kwargs: Any) -> Any:
    response = await client.request(method, f"/_sandbox/{path}", **kwargs)
    assert response.status == 200, await response.text()
    return await response.json()


Call = Callable[..., Awaitable[Any]]
