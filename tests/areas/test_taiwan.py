"""Taiwan's rules from its two stored pages: https://docs.vexora.com/guide/areas/taiwan/payout/
and https://docs.vexora.com/guide/areas/taiwan/checkout (docs/areas/taiwan.md)."""

from __future__ import annotations

from typing import Any

from vexora_sandbox import SandboxConfig, create_app, sign
from vexora_sandbox.protocol.rules import load_areas

AREAS = load_areas()
PAYOUT = {
    "timestamp": "1764000000000",
    "tradeNo": "TW1",
    "amount": "100",
    "bankCode": "004",
    "bankNumber": "3560123456789012",
    "mobile": "0912345678",
    "email": "payer@example.com",
    "name": "Chen Mei-Ling",
    "notifyUrl": "https://merchant.example/notify",
}
CHECKOUT = {
    "timestamp": "1764000000000",
    "tradeNo": "TW2",
    "amount": "500",
    "mobile": "0912345678",
    "firstname": "Mei-Ling",
    "lastname": "Chen",
    "email": "payer@example.com",
    "channelCode": "NET_BANKING",
    "wayCode": "VA",
    "ipAddress": "203.0.113.7",
    "notifyUrl": "https://merchant.example/notify",
    "returnUrl": "https://merchant.example/return",
}


def errors(endpoint: str, body: dict[str, Any]) -> list[str]:
    rules = AREAS["taiwan"].rules_for(endpoint)
    assert rules is not None
    return rules.errors(body, "strict")


def test_the_area_is_taiwan_dollars_with_a_payout_and_a_checkout() -> None:
    taiwan = AREAS["taiwan"]
    assert (taiwan.currency, taiwan.title) == ("TWD", "Taiwan")
    offered = {name for name in taiwan.endpoints if name != "*"}
    assert offered == {
        "disbursements",
        "checkout",
        "queryPayOutResult",
        "queryPayInResult",
        "queryBalance",
    }


def test_the_payout_follows_its_page() -> None:
    assert errors("disbursements", PAYOUT) == []
    assert errors("disbursements", {**PAYOUT, "amount": "99"}) == [
        'amount must be at least 100; got "99"'
    ]
    assert errors("disbursements", {**PAYOUT, "amount": "100.50"}) == [
        'amount must be a whole number (no fractional part); got "100.50"'
    ]
    assert errors("disbursements", {**PAYOUT, "mobile": "886912345678"}) == [
        "mobile must be a 10-digit number starting with 0, without the country code "
        '(e.g. 0912345678); got "886912345678" (12 digits)'
    ]
    assert errors("disbursements", {k: v for k, v in PAYOUT.items() if k != "name"}) == [
        "name is required but missing"
    ]


def test_the_checkout_follows_its_page() -> None:
    assert errors("checkout", CHECKOUT) == []
    assert errors("checkout", {**CHECKOUT, "channelCode": "QR"}) == [
        'channelCode must be one of NET_BANKING, STORE, EWALLET; got "QR"'
    ]
    # "Required when channelCode is STORE": postcode and address.
    assert errors("checkout", {**CHECKOUT, "channelCode": "STORE"}) == [
        'postcode is required when channelCode is "STORE" but missing',
        'address is required when channelCode is "STORE" but missing',
    ]
    store = {**CHECKOUT, "channelCode": "STORE", "postcode": "100", "address": "Taipei"}
    assert errors("checkout", store) == []


async def test_a_deposit_is_not_offered(aiohttp_client: Any) -> None:
    client = await aiohttp_client(create_app(SandboxConfig()))
    body = {**CHECKOUT, "tradeNo": "TW3"}
    body["sign"] = sign(body, "sandbox-secret")
    response = await client.post(
        "/taiwan/v1/vexora/deposits", json=body, headers={"merchantNo": "0000000001"}
    )
    answer = await response.json()
    assert (response.status, answer["code"], answer["msg"]) == (
        404,
        "8000",
        "the taiwan area does not offer deposits",
    )
    response = await client.post(
        "/taiwan/v1/vexora/checkout", json=body, headers={"merchantNo": "0000000001"}
    )
    assert (await response.json())["code"] == "0000"
