"""A default-area merchant calls the pay-in endpoints without an area prefix."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]


def checkout_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "tradeNo": "P20261124000001",
        "amount": "500",
        "firstname": "Ana",
        "lastname": "García",
        "mobile": "0912345678",
        "email": "ana.garcia@example.com",
        "notifyUrl": "http://127.0.0.1:9/notify",
        "returnUrl": "http://127.0.0.1:9/return",
        "timestamp": "1764000000000",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize("endpoint", ["checkout", "deposits"])
async def test_a_pay_in_without_prefix_uses_the_default_area(
    gateway: Gateway, endpoint: str
) -> None:
    status, answer = await gateway(endpoint, checkout_body())
    assert (status, answer["code"], answer["data"]["status"]) == (200, "0000", "0015")


async def test_the_default_area_checks_the_payer_mobile(gateway: Gateway) -> None:
    _, answer = await gateway("checkout", checkout_body(mobile="081234567890"))
    assert answer["code"] == "8000"
    assert answer["msg"] == (
        "mobile must be a 10-digit number starting with 0 (e.g. 09XXXXXXXX); "
        'got "081234567890" (12 digits)'
    )


async def test_checkout_needs_a_return_url(gateway: Gateway) -> None:
    body = checkout_body()
    del body["returnUrl"]
    _, answer = await gateway("checkout", body)
    assert (answer["code"], answer["msg"]) == ("8000", "returnUrl is required but missing")
