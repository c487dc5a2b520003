"""The dashboard served by a test client: two merchants, a manual clock, a receiver."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, SECRET, START, TEST_SCENARIOS, payout_body, signed
from vexora_sandbox import CallbackReceiver, Reply, SandboxConfig, create_app
from vexora_sandbox.domain.clock import ManualClock
from vexora_sandbox.domain.store import Merchant

Client = TestClient[web.Request, web.Application]
OTHER_MERCHANT = "0000000002"
OTHER_SECRET = "other-secret"
EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>"
UI = "/_sandbox/ui"


@pytest.fixture(scope="module")
def _receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver(secret=SECRET) as receiver:
        yield receiver


@pytest.fixture
def receiver(_receiver: CallbackReceiver) -> CallbackReceiver:
    _receiver.clear()
    _receiver.reply(Reply())
    return _receiver


@pytest.fixture
def config() -> SandboxConfig:
    return SandboxConfig(
        scenarios=TEST_SCENARIOS,
        clock="manual",
        merchants=(
            Merchant(MERCHANT_NO, SECRET, "default"),
            Merchant(OTHER_MERCHANT, OTHER_SECRET, "indonesia"),
        ),
    )


@pytest.fixture
async def client(
    config: SandboxConfig, aiohttp_client: Callable[[web.Application], Awaitable[Client]]
) -> Client:
    return await aiohttp_client(create_app(config, clock=ManualClock(START)))


@pytest.fixture
def payout(client: Client, receiver: CallbackReceiver) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def send(trade_no: str = "T20261124000001", **fields: Any) -> dict[str, Any]:
        body = payout_body(tradeNo=trade_no, notifyUrl=receiver.url, **fields)
        response = await client.post(
            "/v1/vexora/disbursements", json=signed(body), headers={"merchantNo": MERCHANT_NO}
        )
        answer: dict[str, Any] = await response.json()
        return answer

    return send


async def page(client: Client, path: str, status: int = 200) -> str:
    response = await client.get(UI + path, allow_redirects=False)
    text = await response.text()
    assert response.status == status, text
    return text


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)
