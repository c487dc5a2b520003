"""queryPayInResult and queryBalance: happy paths and errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import MERCHANT_NO, SECRET, TEST_SCENARIOS, payout_body
from tests.payins.conftest import NOW_MS, TIMESTAMP, failed, funds, payin_body
from vexora_sandbox import SandboxConfig
from vexora_sandbox.domain.store import Merchant

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Advance = Callable[[float], Awaitable[int]]
Balance = Callable[..., Awaitable[dict[str, str]]]

BUILT_IN = (
    "; this sandbox serves 0000000001 (the built-in merchant; configure yours with "
    "--config FILE, or add one with POST /_sandbox/merchants)"
)


async def query(gateway: Gateway, trade_no: str = "P20261124000001", **kw: Any) -> dict[str, Any]:
    _, answer = await gateway(
        "queryPayInResult", {"tradeNo": trade_no, "timestamp": TIMESTAMP}, **kw
    )
    return answer


# --- queryPayInResult ----------------------------------------------------------------


async def test_a_payin_in_progress(gateway: Gateway) -> None:
    _, created = await gateway("checkout", payin_body("kenya", remark="r-1"), prefix="/kenya")
    answer = await query(gateway)
    assert answer == {
        "msg": "success",
        "code": "0000",
        "timestamp": NOW_MS,
        "success": True,
        "data": {
            "tradeNo": "P20261124000001",
            "platFormTradeNo": created["data"]["platFormTradeNo"],
            "amount": "1000",
            "status": "0015",
            "message": "Paying",
            "remark": "r-1",
        },
    }


async def test_a_paid_payin_has_its_success_time(gateway: Gateway, advance: Advance) -> None:
    await gateway("checkout", payin_body("kenya"), prefix="/kenya")
    await advance(5)
    data = (await query(gateway))["data"]
    assert (data["status"], data["message"], data["amount"]) == ("0000", "SUCCESS", "1000")
    assert data["successTime"] == "2025-11-24 19:00:02"


async def test_a_partial_payin_shows_the_paid_part(gateway: Gateway, advance: Advance) -> None:
    await gateway("checkout", payin_body("kenya", amount="1901"), prefix="/kenya")
    await advance(2)
    data = (await query(gateway))["data"]
    assert (data["status"], data["message"], data["amount"]) == ("0001", "PARTIAL_PAYMENT", "950")
    assert data["successTime"] == "2025-11-24 19:00:02"


async def test_a_failed_payin_has_no_success_time(gateway: Gateway, advance: Advance) -> None:
    await gateway("checkout", payin_body("kenya", amount="1929"), prefix="/kenya")
    await advance(2)
    data = (await query(gateway))["data"]
    assert (data["status"], data["message"], data["amount"]) == ("00029", "Fail", "1929")
    assert "successTime" not in data


async def test_the_query_answers_behind_any_area_prefix(gateway: Gateway) -> None:
    await gateway("checkout", payin_body("kenya"), prefix="/kenya")
    assert (await query(gateway, prefix="/brazil"))["data"]["status"] == "0015"
    assert (await query(gateway))["data"]["status"] == "0015"


async def test_an_unknown_trade_no_is_a_request_error_not_a_failed_order(gateway: Gateway) -> None:
    assert await query(gateway, "NOPE") == failed("order NOPE does not exist")


async def test_a_payout_is_not_a_payin(gateway: Gateway) -> None:
    await gateway("disbursements", payout_body())
    assert await query(gateway, "T20261124000001") == failed(
        "order T20261124000001 does not exist as a payin "
        "(it is a payout: query it with queryPayOutResult)"
    )


async def test_a_payin_is_not_a_payout(gateway: Gateway) -> None:
    await gateway("checkout", payin_body("kenya"), prefix="/kenya")
    _, answer = await gateway(
        "queryPayOutResult", {"tradeNo": "P20261124000001", "timestamp": TIMESTAMP}
    )
    assert answer == failed(
        "order P20261124000001 does not exist as a payout "
        "(it is a payin: query it with queryPayInResult)"
    )


async def test_the_query_needs_a_trade_no(gateway: Gateway) -> None:
    _, answer = await gateway("queryPayInResult", {"timestamp": TIMESTAMP})
    assert answer == failed("tradeNo is required but missing")


async def test_the_query_is_signed(gateway: Gateway) -> None:
    _, answer = await gateway(
        "queryPayInResult", {"tradeNo": "X", "timestamp": TIMESTAMP}, sign_it=False
    )
    assert answer["msg"] == "sign error: the sign field is missing"


# --- queryBalance --------------------------------------------------------------------


async def test_the_balance_of_a_new_merchant(gateway: Gateway) -> None:
    _, answer = await gateway("queryBalance", {"timestamp": TIMESTAMP})
    assert answer == {
        "msg": "success",
        "code": "0000",
        "timestamp": NOW_MS,
        "success": True,
        "data": funds("100000000.00"),
    }


@pytest.mark.parametrize(
    "config",
    [
        SandboxConfig(
            scenarios=TEST_SCENARIOS,
            merchants=(
                Merchant(MERCHANT_NO, SECRET, "kenya", balance=Decimal("5")),
                Merchant("0000000002", SECRET, "india"),
            ),
        )
    ],
)
async def test_each_merchant_has_its_own_configured_balance(gateway: Gateway) -> None:
    _, first = await gateway("queryBalance", {"timestamp": TIMESTAMP})
    _, second = await gateway("queryBalance", {"timestamp": TIMESTAMP}, merchant_no="0000000002")
    assert first["data"] == funds("5.00")
    assert second["data"] == funds("100000000.00")


async def test_the_balance_answers_behind_an_area_prefix(gateway: Gateway) -> None:
    _, answer = await gateway("queryBalance", {"timestamp": TIMESTAMP}, prefix="/japan")
    assert answer["data"] == funds("100000000.00")


async def test_the_balance_needs_a_timestamp(gateway: Gateway) -> None:
    _, answer = await gateway("queryBalance", {})
    assert answer == failed("timestamp is required but missing")


async def test_the_balance_is_signed(gateway: Gateway) -> None:
    _, answer = await gateway("queryBalance", {"timestamp": TIMESTAMP}, sign_it=False)
    assert answer["msg"] == "sign error: the sign field is missing"


async def test_the_balance_of_an_unknown_merchant_is_a_request_error(gateway: Gateway) -> None:
    _, answer = await gateway("queryBalance", {"timestamp": TIMESTAMP}, merchant_no="0000000042")
    assert answer == failed("merchant '0000000042' does not exist" + BUILT_IN)


async def test_the_balance_under_an_unknown_area_is_a_clear_error(gateway: Gateway) -> None:
    status, answer = await gateway("queryBalance", {"timestamp": TIMESTAMP}, prefix="/atlantis")
    assert status == 404
    assert answer["code"] == "8000"
    assert answer["msg"].startswith(
        "unknown area 'atlantis' in the URL; known areas: argentina, australia,"
    )
