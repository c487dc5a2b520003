"""Fixtures for the /_sandbox/ API tests: the app on a manual clock, a callback receiver."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, SECRET, payout_body, signed
from vexora_sandbox import CallbackReceiver, Reply

Client = TestClient[web.Request, web.Application]
Admin = Callable[..., Awaitable[tuple[int, Any]]]
Payout = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture(scope="module")
def _receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver(secret=SECRET) as receiver:
        yield receiver


@pytest.fixture
def receiver(_receiver: CallbackReceiver) -> CallbackReceiver:
    """A merchant callback endpoint on 127.0.0.1, emptied for each test."""
    _receiver.clear()
    _receiver.secret = SECRET
    _receiver.reply(Reply())
    return _receiver


@pytest.fixture
def admin(client: Client) -> Admin:
    """Call an admin route: (HTTP status, parsed JSON); asserts every answer is JSON."""

    async def call(
        method: str,
        path: str,
        payload: Any = None,
        *,
        params: dict[str, str] | None = None,
        token: str | None = None,
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await client.request(
            method, f"/_sandbox/{path}", json=payload, params=params, headers=headers
        )
        assert response.content_type == "application/json", await response.text()
        return response.status, await response.json()

    return call


@pytest.fixture
def payout(client: Client, receiver: CallbackReceiver) -> Payout:
    """Send a signed default-area payout whose callbacks go to ``receiver``; its answer."""

    async def send(
        trade_no: str = "T20261124000001",
        *,
        merchant_no: str = MERCHANT_NO,
        secret: str = SECRET,
        **overrides: Any,
    ) -> dict[str, Any]:
        body = payout_body(tradeNo=trade_no, notifyUrl=receiver.url, **overrides)
        response = await client.post(
            "/v1/vexora/disbursements",
            json=signed(body, secret),
            headers={"merchantNo": merchant_no},
        )
        answer: dict[str, Any] = await response.json()
        return answer

    return send
