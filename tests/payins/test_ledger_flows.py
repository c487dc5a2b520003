"""Money through whole flows: each step checked against the order queries and queryBalance.

A merchant starts with 1000 available. Payouts freeze their amount and spend or return
it; pay-ins add what was paid to unsettled, which settles into available a day later
(settlement_delay, scaled by time_scale) or on POST /_sandbox/settle.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, SECRET, TEST_SCENARIOS, payout_body
from tests.payins.conftest import TIMESTAMP, failed, funds, payin_body
from vexora_sandbox import SandboxConfig
from vexora_sandbox.domain.store import Merchant

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Advance = Callable[[float], Awaitable[int]]
Balance = Callable[..., Awaitable[dict[str, str]]]
DAY = 86400.0
OTHER = "0000000002"


def merchants(balance: str = "1000", **config: Any) -> list[SandboxConfig]:
    """A one-case parametrization of the ``config`` fixture: two merchants, kenya's rules."""
    return [
        SandboxConfig(
            scenarios=TEST_SCENARIOS,
            merchants=(
                Merchant(MERCHANT_NO, SECRET, "kenya", Decimal(balance)),
                Merchant(OTHER, SECRET, "kenya", Decimal(balance)),
            ),
            **config,
        )
    ]


def payout(trade_no: str, amount: str, mobile: str = "254712345678") -> dict[str, Any]:
    return {
        "tradeNo": trade_no,
        "amount": amount,
        "mobile": mobile,
        "notifyUrl": "http://127.0.0.1:9/notify",
        "timestamp": TIMESTAMP,
    }


def payin(trade_no: str, amount: str) -> dict[str, Any]:
    return payin_body("kenya", tradeNo=trade_no, amount=amount)


async def status_of(gateway: Gateway, endpoint: str, trade_no: str) -> tuple[str, str]:
    _, answer = await gateway(endpoint, {"tradeNo": trade_no, "timestamp": TIMESTAMP})
    assert answer["code"] == "0000", answer
    return answer["data"]["status"], answer["data"]["amount"]


async def payout_status(gateway: Gateway, trade_no: str) -> tuple[str, str]:
    return await status_of(gateway, "queryPayOutResult", trade_no)


async def payin_status(gateway: Gateway, trade_no: str) -> tuple[str, str]:
    return await status_of(gateway, "queryPayInResult", trade_no)


# --- payouts -------------------------------------------------------------------------


@pytest.mark.parametrize("config", merchants())
async def test_a_successful_payout_freezes_then_spends(
    gateway: Gateway, advance: Advance, balance: Balance
) -> None:
    assert (await gateway("disbursements", payout("O1", "250")))[1]["code"] == "0000"
    assert await payout_status(gateway, "O1") == ("0015", "250")
    assert await balance() == funds("750.00", "250.00")
    await advance(2)
    assert await payout_status(gateway, "O1") == ("0000", "250")
    assert await balance() == funds("750.00")


@pytest.mark.parametrize("config", merchants())
async def test_a_failed_payout_freezes_then_returns(
    gateway: Gateway, advance: Advance, balance: Balance
) -> None:
    # ...990029: rejected by the bank after 3 seconds, matched on kenya's account field.
    await gateway("disbursements", payout("O1", "250", mobile="254712990029"))
    assert await payout_status(gateway, "O1") == ("0015", "250")
    assert await balance() == funds("750.00", "250.00")
    await advance(3)
    assert await payout_status(gateway, "O1") == ("00029", "250")
    assert await balance() == funds("1000.00")


@pytest.mark.parametrize("config", merchants())
async def test_a_payout_above_the_available_balance_is_refused_and_not_created(
    gateway: Gateway, balance: Balance
) -> None:
    _, answer = await gateway("disbursements", payout("O1", "600"))
    assert answer["code"] == "0000"
    _, answer = await gateway("disbursements", payout("O2", "600"))
    assert answer == failed(
        "insufficient balance: the payout amount 600.00 is more than the available balance 400.00"
    )
    _, query = await gateway("queryPayOutResult", {"tradeNo": "O2", "timestamp": TIMESTAMP})
    assert query == failed("order O2 does not exist")
    assert await balance() == funds("400.00", "600.00")
    # The refused tradeNo was not used: it can be sent again once the money is there.
    assert (await gateway("disbursements", payout("O2", "400")))[1]["code"] == "0000"
    assert await balance() == funds("0.00", "1000.00")


@pytest.mark.parametrize("config", merchants())
async def test_the_whole_available_balance_can_be_paid_out(
    gateway: Gateway, balance: Balance
) -> None:
    assert (await gateway("disbursements", payout("O1", "1000")))[1]["code"] == "0000"
    assert await balance() == funds("0.00", "1000.00")


# --- pay-ins -------------------------------------------------------------------------


@pytest.mark.parametrize("config", merchants())
async def test_a_full_payin_is_unsettled_for_a_day_then_available(
    gateway: Gateway, advance: Advance, balance: Balance
) -> None:
    await gateway("checkout", payin("I1", "1000"), prefix="/kenya")
    assert await payin_status(gateway, "I1") == ("0015", "1000")
    assert await balance() == funds("1000.00")
    await advance(2)  # paid at +2 s: settles at +2 s + 1 day
    assert await payin_status(gateway, "I1") == ("0000", "1000")
    assert await balance() == funds("1000.00", unsettled="1000.00")
    await advance(DAY - 0.001)
    assert await balance() == funds("1000.00", unsettled="1000.00")
    await advance(0.001)
    assert await balance() == funds("2000.00")
    assert await payin_status(gateway, "I1") == ("0000", "1000")


@pytest.mark.parametrize("config", merchants())
async def test_a_partial_payin_collects_only_the_paid_part(
    gateway: Gateway, advance: Advance, balance: Balance
) -> None:
    await gateway("checkout", payin("I1", "1901"), prefix="/kenya")
    await advance(2)
    assert await payin_status(gateway, "I1") == ("0001", "950")
    assert await balance() == funds("1000.00", unsettled="950.00")
    await advance(DAY)
    assert await balance() == funds("1950.00")


@pytest.mark.parametrize("config", merchants())
async def test_a_failed_or_expired_payin_collects_nothing(
    gateway: Gateway, advance: Advance, balance: Balance
) -> None:
    await gateway("checkout", payin("I1", "1929"), prefix="/kenya")
    await gateway("checkout", payin("I2", "1908"), prefix="/kenya")
    await advance(2)
    assert await payin_status(gateway, "I1") == ("00029", "1929")
    assert await payin_status(gateway, "I2") == ("0015", "1908")
    await advance(30 * 60)
    _, answer = await gateway("queryPayInResult", {"tradeNo": "I2", "timestamp": TIMESTAMP})
    assert (answer["data"]["status"], answer["data"]["message"]) == ("00029", "EXPIRED")
    await advance(DAY)
    assert await balance() == funds("1000.00")


@pytest.mark.parametrize("config", merchants(balance="0"))
async def test_collections_settle_one_by_one_and_a_payout_can_spend_them(
    gateway: Gateway, advance: Advance, balance: Balance
) -> None:
    await gateway("checkout", payin("I1", "300"), prefix="/kenya")
    await advance(3600)  # I1 paid at +2 s
    await gateway("checkout", payin("I2", "500"), prefix="/kenya")
    await advance(2)  # I2 paid an hour later
    assert await balance() == funds("0.00", unsettled="800.00")
    _, refused = await gateway("disbursements", payout("O1", "300"))
    assert refused["msg"].startswith("insufficient balance")
    await advance(DAY - 3600)  # I1 is due, I2 is not yet
    # No balance read in between: the payout's reservation settles what is due first.
    assert (await gateway("disbursements", payout("O1", "300")))[1]["code"] == "0000"
    assert await balance() == funds("0.00", "300.00", "500.00")
    await advance(3600)
    assert await balance() == funds("500.00", "0.00")
    assert await payout_status(gateway, "O1") == ("0000", "300")


@pytest.mark.parametrize("config", merchants())
async def test_payins_and_payouts_together(
    gateway: Gateway, advance: Advance, balance: Balance
) -> None:
    await gateway("checkout", payin("I1", "1000"), prefix="/kenya")
    await gateway("disbursements", payout("O1", "400", mobile="254712990029"))  # fails at +3 s
    await gateway("disbursements", payout("O2", "100"))  # succeeds at +2 s
    assert await balance() == funds("500.00", "500.00")
    await advance(2)
    assert await balance() == funds("500.00", "400.00", "1000.00")
    await advance(1)
    assert await balance() == funds("900.00", "0.00", "1000.00")
    await advance(DAY)
    assert await balance() == funds("1900.00")
    assert await payin_status(gateway, "I1") == ("0000", "1000")
    assert await payout_status(gateway, "O1") == ("00029", "400")
    assert await payout_status(gateway, "O2") == ("0000", "100")


# --- settlement ----------------------------------------------------------------------


@pytest.mark.parametrize("config", merchants())
async def test_settle_now_for_one_merchant(
    gateway: Gateway, advance: Advance, balance: Balance, client: TestClient[Any, Any]
) -> None:
    await gateway("checkout", payin("I1", "1000"), prefix="/kenya")
    await gateway("checkout", payin("I1", "300"), prefix="/kenya", merchant_no=OTHER)
    await advance(2)
    response = await client.post("/_sandbox/settle", json={"merchantNo": MERCHANT_NO})
    assert response.status == 200
    assert await response.json() == {
        "settled": {MERCHANT_NO: {"KES": "1000.00"}},
        "balances": {MERCHANT_NO: {"KES": funds("2000.00")}},
    }
    assert await balance() == funds("2000.00")
    assert await balance(merchant_no=OTHER) == funds("1000.00", unsettled="300.00")
    # What was settled by hand does not settle a second time when it falls due.
    await advance(DAY)
    assert await balance() == funds("2000.00")
    assert await balance(merchant_no=OTHER) == funds("1300.00")


@pytest.mark.parametrize("config", merchants())
async def test_settle_now_for_every_merchant(
    gateway: Gateway, advance: Advance, balance: Balance, client: TestClient[Any, Any]
) -> None:
    await gateway("checkout", payin("I1", "1000"), prefix="/kenya")
    await gateway("checkout", payin("I1", "1901"), prefix="/kenya", merchant_no=OTHER)
    await advance(2)
    response = await client.post("/_sandbox/settle")
    assert await response.json() == {
        "settled": {MERCHANT_NO: {"KES": "1000.00"}, OTHER: {"KES": "950.00"}},
        "balances": {MERCHANT_NO: {"KES": funds("2000.00")}, OTHER: {"KES": funds("1950.00")}},
    }
    response = await client.post("/_sandbox/settle", params={"merchantNo": OTHER})
    assert (await response.json())["settled"] == {OTHER: {"KES": "0.00"}}


async def test_settle_for_an_unknown_merchant_is_404(client: TestClient[Any, Any]) -> None:
    response = await client.post("/_sandbox/settle", json={"merchantNo": "0000000077"})
    assert response.status == 404
    assert await response.json() == {"error": "merchant 0000000077 is not configured"}


async def test_settle_with_a_body_that_is_not_json_is_400(client: TestClient[Any, Any]) -> None:
    response = await client.post("/_sandbox/settle", data=b"merchantNo=1")
    assert response.status == 400


@pytest.mark.parametrize("config", merchants(settlement_delay=3600.0, time_scale=0.01))
async def test_the_settlement_delay_is_scaled_like_callbacks(
    gateway: Gateway, advance: Advance, balance: Balance
) -> None:
    await gateway("checkout", payin("I1", "1000"), prefix="/kenya")
    await advance(0.02)  # the 2 s callback, scaled
    assert await balance() == funds("1000.00", unsettled="1000.00")
    await advance(35.99)
    assert await balance() == funds("1000.00", unsettled="1000.00")
    await advance(0.01)  # 3600 s x 0.01
    assert await balance() == funds("2000.00")


@pytest.mark.parametrize("config", merchants(settlement_delay=0.0))
async def test_no_settlement_delay_settles_at_once(
    gateway: Gateway, advance: Advance, balance: Balance
) -> None:
    await gateway("checkout", payin("I1", "1000"), prefix="/kenya")
    await advance(2)
    assert await balance() == funds("2000.00")


@pytest.mark.parametrize("config", merchants())
async def test_a_reset_forgets_unsettled_collections(
    gateway: Gateway, advance: Advance, balance: Balance, client: TestClient[Any, Any]
) -> None:
    await gateway("checkout", payin("I1", "1000"), prefix="/kenya")
    await advance(2)
    await client.post("/_sandbox/reset")
    assert await balance() == funds("1000.00")
    await advance(DAY)
    assert await balance() == funds("1000.00")


async def test_the_default_payout_body_still_works(gateway: Gateway, balance: Balance) -> None:
    assert (await gateway("disbursements", payout_body(amount="250")))[1]["code"] == "0000"
    assert await balance() == funds("99999750.00", "250.00")
