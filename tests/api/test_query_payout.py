"""POST /v1/vexora/queryPayOutResult: what a merchant polling a payout sees."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, SECRET, START, TEST_SCENARIOS, payout_body, signed
from vexora_sandbox import SandboxConfig, keys
from vexora_sandbox.domain.clock import ManualClock
from vexora_sandbox.domain.store import Merchant

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Client = TestClient[web.Request, web.Application]
NOW_MS = int(START * 1000)
TRADE_NO = "T20261124000001"
OTHER_MERCHANT = "0000000002"


def failed(msg: str) -> dict[str, Any]:
    return {"msg": msg, "code": "8000", "timestamp": NOW_MS, "success": False, "data": None}


def query_body(trade_no: str = TRADE_NO, **extra: Any) -> dict[str, Any]:
    return {"tradeNo": trade_no, "timestamp": "1764000000000", **extra}


async def create(gateway: Gateway, **changes: Any) -> dict[str, Any]:
    _, answer = await gateway("disbursements", payout_body(**changes))
    assert answer["code"] == "0000", answer
    data: dict[str, Any] = answer["data"]
    return data


async def test_a_processing_payout(gateway: Gateway) -> None:
    created = await create(gateway)
    status, answer = await gateway("queryPayOutResult", query_body())
    assert status == 200
    assert answer == {
        "msg": "success",
        "code": "0000",
        "timestamp": NOW_MS,
        "success": True,
        "data": {
            "tradeNo": TRADE_NO,
            "platFormTradeNo": created["platFormTradeNo"],
            "amount": "250",
            "status": "0015",
            "message": "Processing",
        },
    }


@pytest.mark.parametrize("amount", ["100.00", "100", "0100"])
async def test_the_amount_is_echoed_as_the_order_has_it(gateway: Gateway, amount: str) -> None:
    await create(gateway, amount=amount)
    _, answer = await gateway("queryPayOutResult", query_body())
    assert answer["data"]["amount"] == amount


async def test_a_number_timestamp_is_accepted(gateway: Gateway) -> None:
    await create(gateway)
    _, answer = await gateway(
        "queryPayOutResult", {"tradeNo": TRADE_NO, "timestamp": 1764000000000}
    )
    assert (answer["code"], answer["data"]["status"]) == ("0000", "0015")


async def test_the_default_area_prefix_answers_the_same(gateway: Gateway) -> None:
    await create(gateway)
    _, plain = await gateway("queryPayOutResult", query_body())
    _, prefixed = await gateway("queryPayOutResult", query_body(), prefix="/default")
    assert prefixed == plain


async def test_after_success_the_status_and_success_time_show(
    gateway: Gateway, app: web.Application, clock: ManualClock
) -> None:
    await create(gateway)
    order = app[keys.STORE].order(MERCHANT_NO, TRADE_NO)
    clock.advance(2)
    app[keys.PAYMENTS].change_status(order, "0000", "SUCCESS")
    _, answer = await gateway("queryPayOutResult", query_body())
    assert answer["code"] == "0000"
    assert answer["data"] == {
        "tradeNo": TRADE_NO,
        "platFormTradeNo": order.platform_trade_no,
        "amount": "250",
        "status": "0000",
        "message": "SUCCESS",
        "successTime": "2025-11-24 13:00:02",
    }


@pytest.mark.parametrize(
    ("status", "message"), [("00029", "REJECTED_TRANSACTION"), ("60019", "INSUFFICIENT_FUNDS")]
)
async def test_after_failure_the_status_and_message_show(
    gateway: Gateway, app: web.Application, status: str, message: str
) -> None:
    await create(gateway)
    order = app[keys.STORE].order(MERCHANT_NO, TRADE_NO)
    app[keys.PAYMENTS].change_status(order, status, message)
    _, answer = await gateway("queryPayOutResult", query_body())
    assert answer["code"] == "0000"
    assert (answer["data"]["status"], answer["data"]["message"]) == (status, message)


async def test_a_final_status_stays_final(gateway: Gateway, app: web.Application) -> None:
    await create(gateway)
    order = app[keys.STORE].order(MERCHANT_NO, TRADE_NO)
    payments = app[keys.PAYMENTS]
    payments.change_status(order, "0000", "SUCCESS")
    assert payments.change_status(order, "00029", "REJECTED_TRANSACTION") is None
    _, answer = await gateway("queryPayOutResult", query_body())
    assert (answer["data"]["status"], answer["data"]["message"]) == ("0000", "SUCCESS")


async def test_a_payout_cannot_become_a_partial_payment(
    gateway: Gateway, app: web.Application
) -> None:
    await create(gateway)
    order = app[keys.STORE].order(MERCHANT_NO, TRADE_NO)
    assert app[keys.PAYMENTS].change_status(order, "0001", "PARTIAL_PAYMENT") is None
    _, answer = await gateway("queryPayOutResult", query_body())
    assert answer["data"]["status"] == "0015"
    assert "successTime" not in answer["data"]


async def test_the_ledger_follows_the_payout(gateway: Gateway, app: web.Application) -> None:
    ledger = app[keys.STORE].ledger(MERCHANT_NO, "ARS")
    start = ledger.available
    await create(gateway, tradeNo="T1", amount="300")
    await create(gateway, tradeNo="T2", amount="200")
    assert (ledger.available, ledger.freeze) == (start - 500, Decimal(500))
    payments = app[keys.PAYMENTS]
    payments.change_status(app[keys.STORE].order(MERCHANT_NO, "T1"), "0000", "SUCCESS")
    assert (ledger.available, ledger.freeze) == (start - 500, Decimal(200))
    payments.change_status(app[keys.STORE].order(MERCHANT_NO, "T2"), "00029", "Fail")
    assert (ledger.available, ledger.freeze) == (start - 300, Decimal(0))


async def test_an_unknown_trade_no_is_8000_does_not_exist(gateway: Gateway) -> None:
    await create(gateway)
    status, answer = await gateway("queryPayOutResult", query_body("T-NEVER-SENT"))
    assert status == 200
    assert answer == failed("order T-NEVER-SENT does not exist")


async def test_a_refused_payout_does_not_exist(gateway: Gateway) -> None:
    _, refused = await gateway("disbursements", payout_body(amount="99"))
    assert refused["code"] == "8000"
    _, answer = await gateway("queryPayOutResult", query_body())
    assert answer == failed(f"order {TRADE_NO} does not exist")


async def test_the_query_is_signed(gateway: Gateway) -> None:
    await create(gateway)
    _, answer = await gateway("queryPayOutResult", query_body(), sign_it=False)
    assert answer == failed("sign error: the sign field is missing")
    _, answer = await gateway("queryPayOutResult", query_body(sign="0" * 32), sign_it=False)
    assert answer["code"] == "8000"
    assert answer["msg"].startswith("sign error: sign does not match")


@pytest.mark.parametrize(
    ("body", "msg"),
    [
        ({"timestamp": "1764000000000"}, "tradeNo is required but missing"),
        ({"tradeNo": TRADE_NO}, "timestamp is required but missing"),
        (
            {"tradeNo": 42, "timestamp": "1764000000000"},
            "tradeNo must be a string; got a number (42)",
        ),
    ],
)
async def test_query_fields_are_checked(gateway: Gateway, body: dict[str, Any], msg: str) -> None:
    assert await gateway("queryPayOutResult", body) == (200, failed(msg))


class TestTwoMerchants:
    @pytest.fixture
    def config(self) -> SandboxConfig:
        return SandboxConfig(
            scenarios=TEST_SCENARIOS,
            merchants=(
                Merchant(MERCHANT_NO, SECRET),
                Merchant(OTHER_MERCHANT, "second-secret"),
            ),
        )

    async def test_another_merchants_order_is_unknown(self, client: Client) -> None:
        async def call(endpoint: str, body: dict[str, Any], merchant: str, secret: str) -> Any:
            response = await client.post(
                f"/v1/vexora/{endpoint}",
                json=signed(body, secret),
                headers={"merchantNo": merchant},
            )
            return await response.json()

        first = await call("disbursements", payout_body(), MERCHANT_NO, SECRET)
        assert first["code"] == "0000"
        other = await call("queryPayOutResult", query_body(), OTHER_MERCHANT, "second-secret")
        assert other == failed(f"order {TRADE_NO} does not exist")
        # The other merchant may use the same tradeNo for an order of its own.
        second = await call(
            "disbursements", payout_body(amount="300"), OTHER_MERCHANT, "second-secret"
        )
        assert second["code"] == "0000"
        assert second["data"]["platFormTradeNo"] != first["data"]["platFormTradeNo"]
        mine = await call("queryPayOutResult", query_body(), MERCHANT_NO, SECRET)
        theirs = await call("queryPayOutResult", query_body(), OTHER_MERCHANT, "second-secret")
        assert (mine["data"]["amount"], theirs["data"]["amount"]) == ("250", "300")

    async def test_a_merchant_cannot_sign_with_another_merchants_secret(
        self, client: Client
    ) -> None:
        response = await client.post(
            "/v1/vexora/queryPayOutResult",
            json=signed(query_body(), SECRET),
            headers={"merchantNo": OTHER_MERCHANT},
        )
        answer = await response.json()
        assert answer["code"] == "8000"
        assert answer["msg"].startswith("sign error: sign does not match")
