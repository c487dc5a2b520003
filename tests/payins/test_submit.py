"""payinSubmit (Bangladesh, trxId) and payInSubmit (Myanmar, utr): a P2P deposit waits for
the payer's wallet transaction id, then succeeds by callback 2 seconds after the submit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import MERCHANT_NO, SECRET, TEST_SCENARIOS, payout_body
from tests.payins.conftest import TIMESTAMP, failed, payin_body
from vexora_sandbox import SandboxConfig, keys
from vexora_sandbox.domain.store import Merchant
from vexora_sandbox.testing import CallbackReceiver

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Advance = Callable[[float], Awaitable[int]]


async def deposit(gateway: Gateway, area: str, **fields: Any) -> str:
    _, answer = await gateway("deposits", payin_body(area, "deposits", **fields), prefix=f"/{area}")
    assert answer["code"] == "0000", answer
    number: str = answer["data"]["platFormTradeNo"]
    return number


async def submit(
    gateway: Gateway,
    number: Any,
    area: str = "bangladesh",
    merchant_no: str = MERCHANT_NO,
    **fields: Any,
) -> dict[str, Any]:
    endpoint, field = ("payInSubmit", "utr") if area == "myanmar" else ("payinSubmit", "trxId")
    body = {"platFormTradeNo": number, field: "8N7A6D5E4F", "timestamp": TIMESTAMP, **fields}
    body = {k: v for k, v in body.items() if v is not ...}
    _, answer = await gateway(endpoint, body, prefix=f"/{area}", merchant_no=merchant_no)
    return answer


@pytest.mark.parametrize("area", ["bangladesh", "myanmar"])
async def test_a_p2p_deposit_waits_for_the_submit_then_succeeds(
    gateway: Gateway,
    advance: Advance,
    receiver: CallbackReceiver,
    app: web.Application,
    area: str,
) -> None:
    number = await deposit(gateway, area, notify_url=receiver.url)
    await advance(60)
    assert receiver.received == []
    order = app[keys.STORE].order(MERCHANT_NO, "P20261124000001")
    assert (order.status, order.awaits_submit) == ("0015", True)

    answer = await submit(gateway, number, area)
    assert answer == {
        "msg": "success",
        "code": "0000",
        "timestamp": answer["timestamp"],
        "success": True,
        "data": True,
    }
    await advance(1.9)
    assert receiver.received == []
    await advance(0.1)
    callback = receiver.wait_for("P20261124000001", "0000", timeout=5)
    assert callback.sign_valid and callback.body["wayCode"] == order.extras["wayCode"]
    reference = "utr" if area == "myanmar" else "trxId"
    assert order.extras[reference] == "8N7A6D5E4F"
    assert not order.awaits_submit


async def test_payinsubmit_data_is_a_json_boolean(gateway: Gateway, client: Any) -> None:
    number = await deposit(gateway, "bangladesh")
    answer = await submit(gateway, number)
    assert answer["data"] is True


async def test_a_p2c_deposit_does_not_wait(
    gateway: Gateway, advance: Advance, receiver: CallbackReceiver
) -> None:
    await deposit(gateway, "bangladesh", notify_url=receiver.url, wayCode="BKASH_OFFICIAL")
    await advance(2)
    assert receiver.wait_for("P20261124000001", "0000", timeout=5).body["wayCode"] == (
        "BKASH_OFFICIAL"
    )


async def test_a_checkout_does_not_wait_and_a_submit_adds_nothing(
    gateway: Gateway, advance: Advance, receiver: CallbackReceiver
) -> None:
    _, answer = await gateway(
        "checkout", payin_body("bangladesh", notify_url=receiver.url), prefix="/bangladesh"
    )
    assert (await submit(gateway, answer["data"]["platFormTradeNo"]))["data"] is True
    await advance(10)
    assert [c.status for c in receiver.received] == ["0000"]


async def test_a_second_submit_is_taken_but_queues_nothing(
    gateway: Gateway, advance: Advance, receiver: CallbackReceiver
) -> None:
    number = await deposit(gateway, "bangladesh", notify_url=receiver.url)
    assert (await submit(gateway, number))["data"] is True
    assert (await submit(gateway, number, trxId="OTHER"))["data"] is True
    await advance(10)
    assert [c.status for c in receiver.received] == ["0000"]


async def test_a_submit_for_a_final_payin_answers_false(gateway: Gateway, advance: Advance) -> None:
    number = await deposit(gateway, "bangladesh")
    await submit(gateway, number)
    await advance(2)
    answer = await submit(gateway, number)
    assert (answer["code"], answer["data"]) == ("0000", False)


async def test_the_submit_uses_the_payins_magic_amount(
    gateway: Gateway, advance: Advance, receiver: CallbackReceiver
) -> None:
    number = await deposit(gateway, "bangladesh", notify_url=receiver.url, amount="1929")
    await submit(gateway, number)
    await advance(2)
    callback = receiver.wait_for("P20261124000001", timeout=5)
    assert (callback.status, callback.body["message"]) == ("00029", "Fail")


async def test_a_5000_deposit_and_its_5000_submit_still_queue_the_callback(
    gateway: Gateway, advance: Advance, receiver: CallbackReceiver, app: web.Application
) -> None:
    body = payin_body("myanmar", "deposits", notify_url=receiver.url, amount="1950")
    _, answer = await gateway("deposits", body, prefix="/myanmar")
    assert (answer["code"], answer["data"]) == ("5000", None)
    # The merchant learns the platform number from a query (or the callback).
    order = app[keys.STORE].order(MERCHANT_NO, "P20261124000001")
    answer = await submit(gateway, order.platform_trade_no, "myanmar")
    assert (answer["code"], answer["success"], answer["data"]) == ("5000", False, None)
    await advance(2)
    assert receiver.wait_for("P20261124000001", timeout=5).status == "0000"


# --- errors --------------------------------------------------------------------------


async def test_an_unknown_platform_trade_no_is_a_request_error(gateway: Gateway) -> None:
    answer = await submit(gateway, "VXP0000000099nothere")
    assert answer == failed("order VXP0000000099nothere does not exist", answer["timestamp"])


@pytest.mark.parametrize(
    "config",
    [
        SandboxConfig(
            scenarios=TEST_SCENARIOS,
            merchants=(Merchant(MERCHANT_NO, SECRET), Merchant("0000000002", SECRET)),
        )
    ],
)
async def test_another_merchants_payin_does_not_exist(gateway: Gateway) -> None:
    number = await deposit(gateway, "bangladesh")
    answer = await submit(gateway, number, merchant_no="0000000002")
    assert answer == failed(f"order {number} does not exist", answer["timestamp"])


async def test_a_payouts_platform_trade_no_is_a_request_error(gateway: Gateway) -> None:
    _, payout = await gateway("disbursements", payout_body())
    number = payout["data"]["platFormTradeNo"]
    answer = await submit(gateway, number)
    assert answer == failed(
        f"order {number} is a payout; only a pay-in takes a payinSubmit", answer["timestamp"]
    )


async def test_a_missing_trx_id_is_a_request_error(gateway: Gateway) -> None:
    number = await deposit(gateway, "bangladesh")
    answer = await submit(gateway, number, trxId=...)
    assert answer == failed("trxId is required but missing", answer["timestamp"])


async def test_a_missing_platform_trade_no_is_a_request_error(gateway: Gateway) -> None:
    answer = await submit(gateway, ..., "myanmar")
    assert answer == failed("platFormTradeNo is required but missing", answer["timestamp"])


async def test_each_area_offers_only_its_own_spelling(gateway: Gateway) -> None:
    body = {"platFormTradeNo": "VXP1", "trxId": "1", "timestamp": TIMESTAMP}
    status, answer = await gateway("payInSubmit", body, prefix="/bangladesh")
    assert (status, answer["msg"]) == (404, "the bangladesh area does not offer payInSubmit")
    status, answer = await gateway("payinSubmit", body, prefix="/myanmar")
    assert (status, answer["msg"]) == (404, "the myanmar area does not offer payinSubmit")
    status, answer = await gateway("payinSubmit", body, prefix="/kenya")
    assert (status, answer["msg"]) == (404, "the kenya area does not offer payinSubmit")
