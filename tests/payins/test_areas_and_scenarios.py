"""Area prefixes on the pay-in endpoints, and the magic amounts in every area.

The magic amounts are the shipped pay-in scenarios' (scenarios/payins.yaml, the table of
docs/payins.md): this module runs on the shipped set, not on the tests' own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import MERCHANT_NO, SECRET
from tests.payins.conftest import (
    AREAS,
    PAYIN_AREAS,
    SUBMIT_AREAS,
    TIMESTAMP,
    amount_for,
    failed,
    payin_body,
)
from vexora_sandbox import SandboxConfig, keys
from vexora_sandbox.domain.store import Merchant
from vexora_sandbox.scenarios.registry import shipped_scenarios

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Advance = Callable[[float], Awaitable[int]]
SHIPPED = str(shipped_scenarios())
INDONESIAN = [
    SandboxConfig(scenarios=SHIPPED, merchants=(Merchant(MERCHANT_NO, SECRET, "indonesia"),))
]
# ending -> (answer code, status after 2 s, status after 30 min, paid amount or None)
MAGIC = {
    "000": ("0000", "0000", "0000", None),
    "901": ("0000", "0001", "0001", "half"),
    "929": ("0000", "00029", "00029", None),
    "908": ("0000", "0015", "00029", None),
    "915": ("0000", "0015", "0015", None),
    "950": ("5000", "0000", "0000", None),
    "980": ("8000", None, None, None),
}


@pytest.fixture
def config() -> SandboxConfig:
    return SandboxConfig(scenarios=SHIPPED)


def test_every_area_offers_checkout_and_deposits() -> None:
    assert len(PAYIN_AREAS) >= 19
    assert {"bangladesh", "myanmar", "indonesia", "kenya", "japan"} <= set(PAYIN_AREAS)


# Every pay-in endpoint an area offers (korea: checkout only, its one documented page).
PAYIN_ENDPOINTS = [
    (area, endpoint)
    for area in PAYIN_AREAS
    for endpoint in ("checkout", "deposits")
    if AREAS[area].rules_for(endpoint)
]


@pytest.mark.parametrize(("area", "endpoint"), PAYIN_ENDPOINTS)
async def test_the_magic_amounts_work_in_every_area(
    gateway: Gateway, advance: Advance, app: web.Application, area: str, endpoint: str
) -> None:
    store = app[keys.STORE]
    for index, (ending, (code, early, late, paid)) in enumerate(MAGIC.items()):
        trade_no = f"P{index}"
        body = payin_body(area, endpoint, ending=ending, tradeNo=trade_no)
        _, answer = await gateway(endpoint, body, prefix=f"/{area}")
        assert answer["code"] == code, (ending, answer)
        if early is None:
            assert not store.has(MERCHANT_NO, trade_no)
            continue
        order = store.order(MERCHANT_NO, trade_no)
        if order.awaits_submit:
            assert area in SUBMIT_AREAS
            submit, field = SUBMIT_AREAS[area]
            await gateway(
                submit,
                {"platFormTradeNo": order.platform_trade_no, field: "TX1", "timestamp": TIMESTAMP},
                prefix=f"/{area}",
            )
        await advance(2)
        assert order.status == early, (ending, order)
        await advance(30 * 60)
        assert order.status == late, (ending, order)
        if paid == "half":
            assert order.paid_amount == str(int(amount_for(area, endpoint, ending)) // 2)
        else:
            assert order.paid_amount is None


@pytest.mark.parametrize("area", sorted(SUBMIT_AREAS))
async def test_p2p_payins_wait_for_a_submit_at_checkout_and_deposits(
    gateway: Gateway, app: web.Application, area: str
) -> None:
    await gateway("checkout", payin_body(area, tradeNo="C1"), prefix=f"/{area}")
    await gateway("deposits", payin_body(area, "deposits", tradeNo="D1"), prefix=f"/{area}")
    store = app[keys.STORE]
    assert store.order(MERCHANT_NO, "C1").awaits_submit
    assert store.order(MERCHANT_NO, "D1").awaits_submit


@pytest.mark.parametrize("way_code", ["BKASH_OFFICIAL", "NAGAD_OFFICIAL"])
@pytest.mark.parametrize("endpoint", ["checkout", "deposits"])
async def test_p2c_payins_do_not_wait(
    gateway: Gateway, app: web.Application, endpoint: str, way_code: str
) -> None:
    body = payin_body("bangladesh", endpoint, wayCode=way_code)
    await gateway(endpoint, body, prefix="/bangladesh")
    assert not app[keys.STORE].order(MERCHANT_NO, "P20261124000001").awaits_submit


@pytest.mark.parametrize("amount", ["190.01", "1901.50", "19010", "901.5"])
async def test_decimals_and_other_endings_are_not_magic(
    gateway: Gateway, advance: Advance, app: web.Application, amount: str
) -> None:
    body = payin_body("malaysia", amount=amount)
    assert (await gateway("checkout", body, prefix="/malaysia"))[1]["code"] == "0000"
    await advance(2)
    assert app[keys.STORE].order(MERCHANT_NO, "P20261124000001").status == "0000"


@pytest.mark.parametrize("amount", ["1901.00", "901.0", "10901"])
async def test_a_zero_fraction_still_counts_as_the_whole_amount(
    gateway: Gateway, advance: Advance, app: web.Application, amount: str
) -> None:
    body = payin_body("malaysia", amount=amount)
    await gateway("checkout", body, prefix="/malaysia")
    await advance(2)
    assert app[keys.STORE].order(MERCHANT_NO, "P20261124000001").status == "0001"


# --- area prefixes -------------------------------------------------------------------


@pytest.mark.parametrize("config", INDONESIAN)
async def test_no_prefix_uses_the_merchants_area(gateway: Gateway) -> None:
    _, answer = await gateway("checkout", payin_body("indonesia"))
    assert answer["code"] == "0000"
    _, answer = await gateway("checkout", payin_body("kenya", tradeNo="P2"))
    assert answer == failed(
        'amount must be at least 10000; got "1000"; this looks like a kenya checkout: '
        "use /kenya/v1/vexora/checkout, or set the merchant's area"
    )


@pytest.mark.parametrize("config", INDONESIAN)
async def test_a_known_prefix_selects_that_areas_rules(
    gateway: Gateway, app: web.Application
) -> None:
    _, answer = await gateway("deposits", payin_body("kenya", "deposits"), prefix="/kenya")
    assert answer["code"] == "0000"
    assert app[keys.STORE].order(MERCHANT_NO, "P20261124000001").area == "kenya"
    _, answer = await gateway(
        "deposits", payin_body("indonesia", "deposits", tradeNo="P2"), prefix="/japan"
    )
    assert answer["msg"].startswith(
        "userId is required but missing; this looks like a indonesia deposit: "
        "use /indonesia/v1/vexora/deposits, or set the merchant's area"
    ), answer


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        ("checkout", payin_body("kenya")),
        ("deposits", payin_body("kenya", "deposits")),
        ("payinSubmit", {"platFormTradeNo": "VXP1", "trxId": "1", "timestamp": TIMESTAMP}),
        ("payInSubmit", {"platFormTradeNo": "VXP1", "utr": "1", "timestamp": TIMESTAMP}),
        ("queryPayInResult", {"tradeNo": "P1", "timestamp": TIMESTAMP}),
        ("queryBalance", {"timestamp": TIMESTAMP}),
    ],
)
async def test_an_unknown_prefix_is_a_clear_error(
    gateway: Gateway, app: web.Application, endpoint: str, body: dict[str, Any]
) -> None:
    status, answer = await gateway(endpoint, body, prefix="/atlantis")
    assert status == 404
    assert answer["code"] == "8000" and answer["success"] is False
    assert answer["msg"].startswith(
        "unknown area 'atlantis' in the URL; known areas: argentina, australia, "
    )
    assert "_common" not in answer["msg"]
    assert list(app[keys.STORE].orders()) == []


# --- the payout's account field, whatever the area calls it ---------------------------


@pytest.mark.parametrize(
    ("area", "fields"),
    [
        ("kenya", {"mobile": "254712990029"}),
        ("bangladesh", {"walletId": "01712990029", "wayCode": "BKASH"}),
        ("mexico", {"customerAccount": "012345678901990029"}),
    ],
)
async def test_payout_scenarios_match_the_areas_account_field(
    gateway: Gateway, advance: Advance, app: web.Application, area: str, fields: dict[str, str]
) -> None:
    # notifyUrl too where a page makes it optional: the callback carries the failure.
    body = payin_body(
        area, "disbursements", amount="1000", notifyUrl="http://127.0.0.1:9/notify", **fields
    )
    _, answer = await gateway("disbursements", body, prefix=f"/{area}")
    assert answer["code"] == "0000", answer
    await advance(3)
    assert app[keys.STORE].order(MERCHANT_NO, "P20261124000001").status == "00029"
