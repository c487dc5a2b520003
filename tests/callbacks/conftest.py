"""Fixtures for callback tests: a merchant endpoint on 127.0.0.1 and journal helpers.

Every test here runs in both delivery modes (``callback_delivery``): attempts made by the
delivery process, and on the serving loop. A test that sets the mode itself keeps it.
"""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import payout_body
from vexora_sandbox.callbacks import process
from vexora_sandbox.testing import CallbackReceiver

Client = TestClient[web.Request, web.Application]
Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Pay = Callable[..., Awaitable[str]]


@pytest.fixture(autouse=True, params=["process", "loop"])
def delivery_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """What ``auto`` means for this test: each test runs once in each mode."""
    mode: str = request.param
    chosen = process.chosen_mode
    monkeypatch.setattr(process, "chosen_mode", lambda s: mode if s == "auto" else chosen(s))
    return mode


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver() as started:
        yield started


@pytest.fixture
def pay(gateway: Gateway, receiver: CallbackReceiver) -> Pay:
    """Create a payout (default: notifyUrl = the receiver); its tradeNo."""
    count = 0

    async def create(**fields: Any) -> str:
        nonlocal count
        count += 1
        fields.setdefault("tradeNo", f"T{count:04d}")
        fields.setdefault("notifyUrl", receiver.url)
        status, answer = await gateway("disbursements", payout_body(**fields))
        assert (status, answer["code"]) == (200, "0000"), answer
        return str(fields["tradeNo"])

    return create


async def journal(client: Client, **query: str) -> list[dict[str, Any]]:
    """GET /_sandbox/callbacks: every delivery with its attempts."""
    response = await client.get("/_sandbox/callbacks", params=query)
    assert response.status == 200
    body = await response.json()
    deliveries: list[dict[str, Any]] = body["callbacks"]
    return deliveries


def dead_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (the port was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/notify"
