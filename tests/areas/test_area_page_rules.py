"""Rules the area pages state beyond one field's format, with the exact message each answers.

Each case starts from the page's own example (``tests/data/page_examples``) or, for South
Korea whose example the stored docs cut short, from a body built as its checkout page
describes it, changes what the rule is about, and checks the whole answer: the messages in
field order, or none.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.areas.test_page_examples import EXAMPLES, json_values
from tests.areas.test_page_examples import page_body as example_body
from vexora_sandbox import SandboxConfig, create_app, sign
from vexora_sandbox.protocol.rules import load_areas

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web_exceptions.NotAppKeyWarning")

AREAS = load_areas()
Client = TestClient[web.Request, web.Application]

KOREA_CHECKOUT: dict[str, Any] = {
    "timestamp": "1764000000000",
    "tradeNo": "KR20261124000001",
    "amount": "10000",
    "mobile": "01012345678",
    "firstname": "Minjun",
    "lastname": "Kim",
    "email": "minjun.kim@example.com",
    "channelCode": "EWALLET",
    "wayCode": "VA",
    "ipAddress": "203.0.113.7",
    "dateOfBirth": "1990-05-17",
    "notifyUrl": "https://merchant.example.com/notify",
    "returnUrl": "https://merchant.example.com/return",
}


def page_body(area: str, endpoint: str) -> dict[str, Any]:
    """The page's example for ``area`` and ``endpoint``, with its corrections."""
    example = next(e for a, e in EXAMPLES if (a, e["endpoint"]) == (area, endpoint))
    return {**example_body(example), **json_values(example.get("corrected", {}))}


def errors(area: str, endpoint: str, body: dict[str, Any]) -> list[str]:
    rules = AREAS[area].rules_for(endpoint)
    assert rules is not None
    return rules.errors(json_values(body), "strict")


def change(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``body`` with ``changes`` applied (None removes a field)."""
    merged = {**body, **changes}
    return {name: value for name, value in merged.items() if value is not None}


CASES: list[tuple[str, str, dict[str, Any], list[str]]] = [
    # Nigeria's payment page: wayCode PALMPAY goes with EWALLET, VA with VA; wayCode optional.
    ("nigeria", "checkout", {"channelCode": "VA", "wayCode": "VA"}, []),
    ("nigeria", "checkout", {"wayCode": None}, []),
    (
        "nigeria",
        "checkout",
        {"channelCode": "VA"},
        ['wayCode must be one of VA when channelCode is "VA"; got "PALMPAY"'],
    ),
    (
        "nigeria",
        "checkout",
        {"channelCode": "BANK"},
        ['channelCode must be one of EWALLET, VA; got "BANK"'],
    ),
    ("nigeria", "checkout", {"username": None}, ["username is required but missing"]),
    # Pakistan: remark optional on Direct Deposit, required on the payout.
    ("pakistan", "disbursements", {"remark": None}, ["remark is required but missing"]),
    # Vietnam: remark required on Checkout, optional on Direct Deposit; a gmail.com payer.
    ("vietnam", "checkout", {"remark": None}, ["remark is required but missing"]),
    ("vietnam", "deposits", {"remark": None}, []),
    (
        "vietnam",
        "deposits",
        {"email": "rizky@example.com"},
        ['email must be a gmail.com email address (e.g. name@gmail.com); got "rizky@example.com"'],
    ),
    # Kenya's Checkout page has no payer field; its payout needs no notifyUrl.
    ("kenya", "checkout", {"mobile": "254712345678"}, []),
    ("kenya", "disbursements", {"notifyUrl": None}, []),
    # Australia's deposits: "does not support decimals".
    (
        "australia",
        "deposits",
        {"amount": "150.5"},
        ['amount must be a whole number (no fractional part); got "150.5"'],
    ),
]


@pytest.mark.parametrize(
    ("area", "endpoint", "changes", "expected"),
    CASES,
    ids=[f"{area}-{endpoint}-{'-'.join(changes)}" for area, endpoint, changes, _ in CASES],
)
def test_a_page_rule_answers_as_the_page_says(
    area: str, endpoint: str, changes: dict[str, Any], expected: list[str]
) -> None:
    assert errors(area, endpoint, change(page_body(area, endpoint), **changes)) == expected


PAKISTAN_CHECKOUT: dict[str, Any] = {
    "timestamp": "1730431256000",
    "tradeNo": "order45692193212we3111",
    "amount": "10000",
    "name": "John Doe",
    "customerCert": "1730123456789",
    "email": "johndoe@gmail.com",
    "mobile": "3115112345",
    "remark": "Payment for order #456",
    "notifyUrl": "https://example.com/notify",
    "returnUrl": "https://example.com/return",
}

PAKISTAN_CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("checkout", {}, []),
    ("checkout", {"amount": "50000"}, []),
    (
        "checkout",
        {"amount": "50001"},
        ['custId is required when amount is above 50000 (it is "50001") but missing'],
    ),
    ("checkout", {"amount": "60000", "custId": "m2hkCRuTCK5HKpEkA0ok"}, []),
    ("checkout", {"remark": None}, ["remark is required but missing"]),
    (
        "checkout",
        {"email": "john@yahoo.com"},
        ['email must be a gmail.com email address (e.g. name@gmail.com); got "john@yahoo.com"'],
    ),
    # Direct Deposit: paymentType required, customerCert and remark optional, 03 mobiles too.
    ("deposits", {"paymentType": "jazzcash", "remark": None, "customerCert": None}, []),
    ("deposits", {"paymentType": "jazzcash", "mobile": "03115112345"}, []),
    ("deposits", {}, ["paymentType is required but missing"]),
]


@pytest.mark.parametrize(
    ("endpoint", "changes", "expected"),
    PAKISTAN_CASES,
    ids=[
        f"{endpoint}-{'-'.join(changes) or 'as-built'}" for endpoint, changes, _ in PAKISTAN_CASES
    ],
)
def test_pakistan_pay_ins_follow_their_pages(
    endpoint: str, changes: dict[str, Any], expected: list[str]
) -> None:
    # Built from the pages' field tables and their (cut) examples' visible fields.
    assert errors("pakistan", endpoint, change(PAKISTAN_CHECKOUT, **changes)) == expected


KOREA_CASES: list[tuple[dict[str, Any], list[str]]] = [
    ({}, []),
    ({"wayCode": "OTHER", "dateOfBirth": None}, []),
    ({"dateOfBirth": None}, ['dateOfBirth is required when wayCode is "VA" but missing']),
    (
        {"dateOfBirth": "17/05/1990"},
        [
            "dateOfBirth must be a date written YYYY-MM-DD (e.g. 1990-05-17); "
            'got "17/05/1990" (10 characters)'
        ],
    ),
    (
        {"mobile": "821012345678"},
        [
            "mobile must be an 11-digit number starting with 0, without the country code "
            '(e.g. 01012345678); got "821012345678" (12 digits)'
        ],
    ),
    ({"channelCode": "VA"}, ['channelCode must be one of EWALLET; got "VA"']),
    ({"ipAddress": None}, ["ipAddress is required but missing"]),
    ({"returnUrl": None}, ["returnUrl is required but missing"]),
    (
        {"amount": "10000.50"},
        ['amount must be a whole number (no fractional part); got "10000.50"'],
    ),
    (
        {"tradeNo": "K" * 33},
        [f'tradeNo must be at most 32 characters; got "{"K" * 33}" (33 characters)'],
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"),
    KOREA_CASES,
    ids=["-".join(changes) or "as-built" for changes, _ in KOREA_CASES],
)
def test_korea_checkout_follows_its_page(changes: dict[str, Any], expected: list[str]) -> None:
    assert errors("korea", "checkout", change(KOREA_CHECKOUT, **changes)) == expected


def test_korea_offers_only_what_its_pages_document() -> None:
    korea = AREAS["korea"]
    assert (korea.currency, korea.title) == ("KRW", "South Korea")
    offered = {name for name in korea.endpoints if name != "*"}
    assert offered == {"checkout", "queryPayInResult", "queryPayOutResult", "queryBalance"}


@pytest.fixture
async def sandbox(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
) -> Client:
    return await aiohttp_client(create_app(SandboxConfig()))


async def post(client: Client, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    signed = {**body, "sign": sign(json_values(body), "sandbox-secret")}
    response = await client.post(path, json=signed, headers={"merchantNo": "0000000001"})
    answer: dict[str, Any] = await response.json()
    return response.status, answer


async def test_korea_takes_a_checkout_and_refuses_a_payout_it_does_not_document(
    sandbox: Client,
) -> None:
    status, answer = await post(sandbox, "/korea/v1/vexora/checkout", KOREA_CHECKOUT)
    assert (status, answer["code"], answer["success"]) == (200, "0000", True)
    assert answer["data"]["tradeNo"] == KOREA_CHECKOUT["tradeNo"]

    payout = {"timestamp": "1764000000000", "tradeNo": "KR2", "amount": "100"}
    status, answer = await post(sandbox, "/korea/v1/vexora/disbursements", payout)
    assert status == 404
    assert (answer["code"], answer["msg"]) == (
        "8000",
        "the korea area does not offer disbursements",
    )
