"""The order's state changes when its callback falls due, before it is sent: a merchant
that queries on receipt of the callback sees the callback's status (and the ledger moved)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.callbacks.conftest import Client, Pay
from tests.conftest import MERCHANT_NO, signed
from vexora_sandbox import keys

AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]
BALANCE = Decimal(100_000_000)
ZERO = Decimal(0)


class QueryingMerchant:
    """A merchant endpoint that queries the sandbox before it acknowledges a callback."""

    def __init__(self, sandbox: Client) -> None:
        self.sandbox = sandbox
        self.seen: list[dict[str, Any]] = []

    async def notify(self, request: web.Request) -> web.Response:
        callback = await request.json()
        response = await self.sandbox.post(
            "/v1/vexora/queryPayOutResult",
            json=signed({"tradeNo": callback["tradeNo"], "timestamp": "1764000000000"}),
            headers={"merchantNo": MERCHANT_NO},
        )
        ledger = self.sandbox.app[keys.STORE].ledger(MERCHANT_NO, "ARS")
        self.seen.append(
            {
                "callback": callback,
                "query": (await response.json())["data"],
                "ledger": (ledger.available, ledger.freeze),
            }
        )
        return web.Response(text="OK")


@pytest.fixture
async def merchant(client: Client, aiohttp_server: AiohttpServer) -> tuple[QueryingMerchant, str]:
    querying = QueryingMerchant(client)
    app = web.Application()
    app.router.add_post("/notify", querying.notify)
    server = await aiohttp_server(app)
    return querying, f"http://127.0.0.1:{server.port}/notify"


async def query_status(client: Client, trade_no: str) -> str:
    response = await client.post(
        "/v1/vexora/queryPayOutResult",
        json=signed({"tradeNo": trade_no, "timestamp": "1764000000000"}),
        headers={"merchantNo": MERCHANT_NO},
    )
    return str((await response.json())["data"]["status"])


@pytest.mark.parametrize(
    ("account", "after", "status", "message", "ledger"),
    [
        ("880123456789012345", 2, "0000", "SUCCESS", (BALANCE - 250, ZERO)),
        ("8801234990029", 3, "00029", "REJECTED_TRANSACTION", (BALANCE, ZERO)),
        ("8801234996019", 3, "60019", "INSUFFICIENT_FUNDS", (BALANCE, ZERO)),
    ],
    ids=["success", "rejected", "insufficient-funds"],
)
async def test_a_query_on_receipt_shows_the_callbacks_status(
    client: Client,
    pay: Pay,
    merchant: tuple[QueryingMerchant, str],
    account: str,
    after: float,
    status: str,
    message: str,
    ledger: tuple[Decimal, Decimal],
) -> None:
    querying, url = merchant
    trade_no = await pay(accountNo=account, notifyUrl=url)
    store = client.app[keys.STORE]
    assert (
        store.ledger(MERCHANT_NO, "ARS").available,
        store.ledger(MERCHANT_NO, "ARS").freeze,
    ) == (
        BALANCE - 250,
        Decimal(250),
    )

    # Not before it falls due.
    await client.app[keys.DISPATCHER].advance(after - 0.001)
    assert await query_status(client, trade_no) == "0015"
    assert querying.seen == []

    await client.app[keys.DISPATCHER].advance(0.001)
    (seen,) = querying.seen
    assert seen["callback"]["status"] == seen["query"]["status"] == status
    assert seen["query"]["message"] == message
    assert seen["ledger"] == ledger
    if status == "0000":
        assert seen["query"]["successTime"] == seen["callback"]["successTime"]
    else:
        assert "successTime" not in seen["query"]


async def test_a_stale_callback_does_not_move_the_order_back(
    client: Client, pay: Pay, merchant: tuple[QueryingMerchant, str]
) -> None:
    querying, url = merchant
    await pay(accountNo="8801234990016", notifyUrl=url)  # scenario callback-stale-after-final
    await client.app[keys.DISPATCHER].advance(4)
    first, stale = querying.seen
    assert (first["callback"]["status"], first["query"]["status"]) == ("0000", "0000")
    assert (stale["callback"]["status"], stale["query"]["status"]) == ("0015", "0000")
    assert stale["ledger"] == (BALANCE - 250, 0)  # spent once, not released by the stale one
    deliveries = list(client.app[keys.DISPATCHER].deliveries)
    assert [d.applied for d in deliveries] == [True, False]


async def test_a_repeated_callback_applies_once(
    client: Client, pay: Pay, merchant: tuple[QueryingMerchant, str]
) -> None:
    querying, url = merchant
    trade_no = await pay(accountNo="8801234990002", notifyUrl=url)  # scenario callback-twice
    await client.app[keys.DISPATCHER].advance(2)
    assert [s["query"]["status"] for s in querying.seen] == ["0000", "0000"]
    order = client.app[keys.STORE].order(MERCHANT_NO, trade_no)
    assert [change.status for change in order.history] == ["0000"]
    assert querying.seen[1]["ledger"] == (BALANCE - 250, 0)


async def test_a_failed_delivery_still_changed_the_order(client: Client, pay: Pay) -> None:
    # Nobody listens at the notifyUrl: the state changed when the callback fell due anyway.
    trade_no = await pay(notifyUrl="http://127.0.0.1:9/notify")
    await client.app[keys.DISPATCHER].advance(2)
    assert await query_status(client, trade_no) == "0000"
    (delivery,) = client.app[keys.DISPATCHER].deliveries
    assert delivery.acknowledged is False and delivery.pending is True
    # Retries do not apply it again.
    await client.app[keys.DISPATCHER].advance(60)
    order = client.app[keys.STORE].order(MERCHANT_NO, trade_no)
    assert len(order.history) == 1
    assert len(delivery.attempts) == 5
