"""A missing notifyUrl where a page makes it optional (Kenya's payout): the merchant's
default notify URL is used; without one no callback is sent, the status still changes
on schedule and the order's record says why."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, SECRET, TEST_SCENARIOS
from tests.payins.conftest import TIMESTAMP
from vexora_sandbox import SandboxConfig, keys
from vexora_sandbox.domain.store import Merchant
from vexora_sandbox.testing import CallbackReceiver

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Advance = Callable[[float], Awaitable[int]]
Client = TestClient[web.Request, web.Application]

# https://docs.vexora.com/guide/areas/kenya/payout/: the page's example body, no notifyUrl.
KENYA_PAYOUT = {
    "timestamp": "1715941383720",
    "amount": "50",
    "remark": "000000",
    "tradeNo": "1000023",
    "mobile": "254115555088",
}


@pytest.fixture
def config(receiver: CallbackReceiver) -> SandboxConfig:
    return SandboxConfig(
        scenarios=TEST_SCENARIOS,
        merchants=(
            Merchant(MERCHANT_NO, SECRET, "kenya", notify_url=receiver.url),
            Merchant("0000000002", SECRET, "kenya"),
        ),
    )


async def test_the_merchants_default_notify_url_gets_the_callback(
    gateway: Gateway, advance: Advance, receiver: CallbackReceiver
) -> None:
    _, answer = await gateway("disbursements", KENYA_PAYOUT)
    assert answer["code"] == "0000", answer
    await advance(5)
    callback = await receiver.await_for("1000023", timeout=5)
    assert (callback.status, callback.sign_valid) == ("0000", True)


async def test_without_any_notify_url_no_callback_but_the_status_moves(
    gateway: Gateway, advance: Advance, app: web.Application, client: Client
) -> None:
    _, answer = await gateway("disbursements", KENYA_PAYOUT, merchant_no="0000000002")
    assert answer["code"] == "0000", answer
    await advance(60)
    assert list(app[keys.DISPATCHER].deliveries) == []  # nothing queued against an empty URL
    _, queried = await gateway(
        "queryPayOutResult",
        {"tradeNo": "1000023", "timestamp": TIMESTAMP},
        merchant_no="0000000002",
    )
    assert (queried["data"]["status"], queried["data"]["message"]) == ("0000", "SUCCESS")
    _, balance = await gateway("queryBalance", {"timestamp": TIMESTAMP}, merchant_no="0000000002")
    assert balance["data"]["availableAmount"] == f"{Decimal(100000000) - 50:.2f}"
    record = await (
        await client.get("/_sandbox/transactions/1000023", params={"merchantNo": "0000000002"})
    ).json()
    assert record["notes"] == [
        "no callback: the request has no notifyUrl and merchant 0000000002 has no default "
        "notify URL (notifyUrl in its config entry); the status changes on schedule without "
        "one, and queries show it"
    ]


async def test_the_balance_alone_catches_up(gateway: Gateway, advance: Advance) -> None:
    await gateway("disbursements", KENYA_PAYOUT, merchant_no="0000000002")
    _, balance = await gateway("queryBalance", {"timestamp": TIMESTAMP}, merchant_no="0000000002")
    assert balance["data"]["freezeAmount"] == "50.00"
    await advance(60)
    _, balance = await gateway("queryBalance", {"timestamp": TIMESTAMP}, merchant_no="0000000002")
    assert (balance["data"]["freezeAmount"], balance["data"]["availableAmount"]) == (
        "0.00",
        "99999950.00",
    )
