"""The console never prints a card payment's card data: the sign base it shows on a sign
error hides the value of ``cardData`` (docs/areas/card.md)."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, START, signed
from vexora_sandbox import SandboxConfig, create_app
from vexora_sandbox.console import attach
from vexora_sandbox.domain.clock import ManualClock

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[web.Application], Awaitable[Client]]
CARD_DATA = "ZW5jcnlwdGVkLWNhcmQtNDExMTExMTExMTExMTExMQ=="


@pytest.mark.parametrize("fmt", ["human", "json"])
async def test_a_sign_error_shows_the_base_without_the_card_data(
    aiohttp_client: MakeClient, fmt: str
) -> None:
    out = io.StringIO()
    app = create_app(SandboxConfig(clock="manual"), clock=ManualClock(START))
    attach(app, fmt=fmt, stream=out)
    client = await aiohttp_client(app)
    body = {
        "timestamp": "1764000000000",
        "tradeNo": "C1",
        "amount": "5000",
        "currency": "JPY",
        "name": "Taro Yamada",
        "mobile": "819012345678",
        "email": "taro@example.com",
        "userId": "user-0001",
        "cardData": CARD_DATA,
        "notifyUrl": "http://127.0.0.1:9/notify",
    }
    response = await client.post(
        "/card/v1/vexora/deposits",
        json=signed(body, "not-the-secret"),
        headers={"merchantNo": MERCHANT_NO},
    )
    answer = await response.json()
    assert answer["code"] == "8000"
    # The merchant's own answer keeps the exact base (the header), for debugging its sign.
    assert f"cardData={CARD_DATA}" in response.headers["X-Sandbox-Sign-Base"]
    await client.close()
    printed = out.getvalue()
    assert "cardData=[44 chars]currency=JPY" in printed, printed
    assert CARD_DATA not in printed
