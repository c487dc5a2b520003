"""Payouts through the HTTP app behind an area prefix: /<area>/v1/vexora/disbursements.

The URL's area selects that area's field rules, whatever the
merchant's own area is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import TEST_SCENARIOS
from vexora_sandbox import SandboxConfig, create_app, sign

# aiohttp's once-per-process warning about plain-string request keys would turn the first
# call of a run into an HTTP 500 under -W error; tests/api/test_disbursements.py pins it.
pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web_exceptions.NotAppKeyWarning")

Client = TestClient[web.Request, web.Application]
MERCHANT_NO = "0000000001"
SECRET = "sandbox-secret"
# Nothing listens there: a callback the sandbox may send later just fails.
NOTIFY_URL = "http://127.0.0.1:9/notify"
COMMON = {"tradeNo": "T20261124000001", "timestamp": "1764000000000", "remark": "order-42"}

# A valid payout body per area, written out as a merchant would send it.
VALID: dict[str, dict[str, Any]] = {
    "indonesia": {
        "amount": "100000",
        "customerName": "Rizky Pratama",
        "mobile": "081234567890",
        "email": "rizky.pratama@example.com",
        "bankAccountNo": "5464438554636",
        "bankCode": "0002",
        "notifyUrl": NOTIFY_URL,
    },
    "india": {
        "amount": "300",
        "ipAddress": "203.0.113.7",
        "name": "Asha Verma",
        "mobile": "9876543210",
        # The page: "should use gmail.com domain".
        "email": "asha.verma@gmail.com",
        "bankNumber": "10094038292",
        "bankCode": "IDFB0043121",
        "notifyUrl": NOTIFY_URL,
    },
    "brazil": {
        "amount": "300.50",
        "name": "Ana Souza",
        "email": "ana.souza@example.com",
        "mobile": "11987654321",
        "bankType": "EMAIL",
        "bankNumber": "ana.souza@example.com",
        "identityType": "CPF",
        "userIdentity": "18171847084",
        "notifyUrl": NOTIFY_URL,
    },
    "japan": {
        "amount": "5000",
        "bankCode": "0005",
        "bankNumber": "1234567",
        "userId": "user-0001",
        "mobile": "09012345678",
        "email": "yui.tanaka@example.com",
        "firstname": "ユイ",
        "lastname": "タナカ",
        # HTTPS only; nothing answers on port 9 either.
        "notifyUrl": "https://127.0.0.1:9/notify",
    },
    # No notifyUrl: optional for Kenyan payouts.
    "kenya": {"amount": "50", "mobile": "254712345678"},
    "bangladesh": {
        "amount": "300",
        "walletId": "01712345678",
        "wayCode": "NAGAD",
        "notifyUrl": NOTIFY_URL,
    },
    "mexico": {
        "wayCode": "BANXICO",
        "amount": "200",
        "customerName": "Luis Hernández",
        "customerAccountType": "DebitCard",
        "customerAccount": "4152313412345678",
        "notifyUrl": NOTIFY_URL,
    },
}

# One rule broken per area, and the exact msg the gateway answers with.
BROKEN: list[tuple[str, dict[str, Any], str]] = [
    ("indonesia", {"amount": "9999"}, 'amount must be at least 10000; got "9999"'),
    (
        "indonesia",
        {"mobile": "+6281234567890"},
        "mobile must be an Indonesian mobile number of 10-13 digits starting with 08 or 628 "
        '(e.g. 081234567890); got "+6281234567890" (14 characters)',
    ),
    (
        "india",
        {"bankCode": "IDFB043121"},
        "bankCode must be an IFSC code of 11 letters or digits (e.g. IDFB0043121); "
        'got "IDFB043121" (10 characters)',
    ),
    (
        "india",
        {"mobile": "919876543210"},
        "mobile must be a 10-digit number starting with 6, 7, 8 or 9, without the 91 "
        'country code (e.g. 9876543210); got "919876543210" (12 digits)',
    ),
    ("brazil", {"remark": None}, "remark is required but missing"),
    (
        "brazil",
        {"bankType": "CNPJ_KEY"},
        'bankType must be one of CPF, CNPJ, EMAIL, PHONE, EVP; got "CNPJ_KEY"',
    ),
    (
        "japan",
        {"notifyUrl": NOTIFY_URL},
        f'notifyUrl must be an https URL; got "{NOTIFY_URL}"',
    ),
    ("japan", {"amount": "99"}, 'amount must be at least 100; got "99"'),
    (
        "kenya",
        {"mobile": "0712345678"},
        "mobile must be a 12-digit number starting with 2541 or 2547 "
        '(e.g. 254712345678); got "0712345678" (10 digits)',
    ),
    (
        "bangladesh",
        {"walletId": "1712345678"},
        "walletId must be an 11-digit wallet number starting with 01 "
        '(e.g. 01712345678); got "1712345678" (10 digits)',
    ),
    (
        "mexico",
        {"customerAccountType": "clabe"},
        'customerAccountType must be one of DebitCard, CLABE; got "clabe"',
    ),
]


@pytest.fixture
async def sandbox(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
) -> Client:
    return await aiohttp_client(create_app(SandboxConfig(scenarios=TEST_SCENARIOS)))


def payout(area: str, **changes: Any) -> dict[str, Any]:
    """The area's valid body with ``changes`` (None removes a field), signed."""
    body = {**COMMON, **VALID[area], **changes}
    body = {name: value for name, value in body.items() if value is not None}
    return {**body, "sign": sign(body, SECRET)}


async def post(client: Client, area: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(
        f"/{area}/v1/vexora/disbursements", json=body, headers={"merchantNo": MERCHANT_NO}
    )
    assert response.status == 200
    answer: dict[str, Any] = await response.json()
    return answer


@pytest.mark.parametrize("area", sorted(VALID))
async def test_a_valid_payout_is_accepted_and_a_broken_rule_refused(
    sandbox: Client, area: str
) -> None:
    # One app per area (building one reads every area file): the refused calls create
    # nothing, so they can share it with the accepted one.
    expected: dict[str, tuple[Any, ...]] = {}
    got: dict[str, tuple[Any, ...]] = {}
    for broken_area, changes, msg in BROKEN:
        if broken_area == area:
            answer = await post(sandbox, area, payout(area, **changes))
            key = ", ".join(f"{name}={value!r}" for name, value in changes.items())
            expected[key] = ("8000", msg, False, None)
            got[key] = (answer["code"], answer["msg"], answer["success"], answer["data"])
    assert got == expected

    answer = await post(sandbox, area, payout(area))
    assert (answer["code"], answer["msg"], answer["success"]) == ("0000", "success", True)
    assert answer["data"]["tradeNo"] == COMMON["tradeNo"]
    assert answer["data"]["status"] == "0015"
    assert answer["data"]["remark"] == COMMON["remark"]


def test_every_area_here_has_a_broken_case() -> None:
    assert {area for area, _, _ in BROKEN} == set(VALID)


async def test_the_url_area_not_the_merchant_area_picks_the_rules(sandbox: Client) -> None:
    # An Indian payout sent to the Indonesian prefix is judged by Indonesia's fields.
    answer = await post(sandbox, "indonesia", payout("india", amount="100000"))
    assert (answer["code"], answer["msg"]) == (
        "8000",
        "customerName is required but missing; this looks like a india payout: "
        "use /india/v1/vexora/disbursements, or set the merchant's area",
    )


async def test_an_area_rejects_the_default_area_field_set(sandbox: Client) -> None:
    body = {
        **COMMON,
        "amount": "250",
        "accountNo": "0000003100012345678901",
        "mobile": "0912345678",
        "email": "ana.garcia@example.com",
        "firstname": "Ana",
        "lastname": "García",
        "notifyUrl": NOTIFY_URL,
    }
    answer = await post(sandbox, "japan", {**body, "sign": sign(body, SECRET)})
    assert answer["code"] == "8000"
    assert answer["msg"].startswith(
        "bankCode is required but missing; this looks like a default payout"
    ) or answer["msg"].startswith(
        "bankCode is required but missing; this looks like a argentina payout"
    ), answer
