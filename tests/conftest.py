"""Shared fixtures for the sandbox's own tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from vexora_sandbox import SandboxConfig, create_app, sign
from vexora_sandbox.domain.clock import ManualClock

MERCHANT_NO = "0000000001"
SECRET = "sandbox-secret"
START = 1_764_000_000.0  # 2025-11-24 16:00:00 UTC
# The test-only scenario set (tests/README.md "Two scenario sets"): the generic tests run
# on it, so a change to the shipped scenarios moves only the tests that are about them.
TEST_SCENARIOS = str(Path(__file__).parent / "data" / "scenarios")


def payout_body(**overrides: Any) -> dict[str, Any]:
    """A valid default-area disbursement body, unsigned."""
    body: dict[str, Any] = {
        "tradeNo": "T20261124000001",
        "amount": "250",
        "accountNo": "0000003100012345678901",
        "mobile": "0912345678",
        "email": "ana.garcia@example.com",
        "firstname": "Ana",
        "lastname": "García",
        "notifyUrl": "http://127.0.0.1:9/notify",
        "remark": "order-42",
        "timestamp": "1764000000000",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def signed(body: dict[str, Any], secret: str = SECRET) -> dict[str, Any]:
    return {**body, "sign": sign(body, secret)}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def config() -> SandboxConfig:
    return SandboxConfig(scenarios=TEST_SCENARIOS)


@pytest.fixture
def app(config: SandboxConfig, clock: ManualClock) -> web.Application:
    return create_app(config, clock=clock)


Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(
    app: web.Application, aiohttp_client: Callable[[web.Application], Awaitable[Client]]
) -> Client:
    return await aiohttp_client(app)


@pytest.fixture
def gateway(client: Client) -> Callable[..., Awaitable[tuple[int, dict[str, Any]]]]:
    """POST a body (signed unless told otherwise) to an endpoint; (HTTP status, JSON)."""

    async def call(
        endpoint: str,
        body: dict[str, Any],
        *,
        sign_it: bool = True,
        merchant_no: str | None = MERCHANT_NO,
        prefix: str = "",
    ) -> tuple[int, dict[str, Any]]:
        headers = {"merchantNo": merchant_no} if merchant_no is not None else {}
        payload = signed(body) if sign_it else body
        response = await client.post(
            f"{prefix}/v1/vexora/{endpoint}", json=payload, headers=headers
        )
        return response.status, await response.json()

    return call
