"""Fixtures for the pay-in tests: valid bodies for every area, a callback receiver, time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import START
from vexora_sandbox import keys
from vexora_sandbox.protocol.rules import load_areas
from vexora_sandbox.testing import CallbackReceiver

NOW_MS = int(START * 1000)
TIMESTAMP = "1764000000000"
AREAS = load_areas()
PAYIN_AREAS = sorted(
    name for name, area in AREAS.items() if not name.startswith("_") and area.rules_for("checkout")
)
# Areas whose deposits wait for payinSubmit / payInSubmit (P2P wallets).
SUBMIT_AREAS = {"bangladesh": ("payinSubmit", "trxId"), "myanmar": ("payInSubmit", "utr")}
ALWAYS = ("remark", "returnUrl", "channelCode", "wayCode")

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]


def amount_for(area: str, endpoint: str = "checkout", ending: str = "000") -> str:
    """The smallest amount the area accepts whose whole part ends in ``ending``."""
    rule = AREAS[area].endpoints[endpoint].field("amount")
    assert rule is not None
    least = rule.min if rule.min is not None else Decimal(100)
    value = 1000 + int(ending)
    while value < least:
        value += 1000
    assert rule.max is None or value <= rule.max, (area, ending)
    return str(value)


def payin_body(
    area: str,
    endpoint: str = "checkout",
    *,
    notify_url: str = "http://127.0.0.1:9/notify",
    ending: str = "000",
    **overrides: Any,
) -> dict[str, Any]:
    """A valid pay-in body for ``area`` built from its rules (examples, or made-up values)."""
    rules = AREAS[area].endpoints[endpoint]
    body: dict[str, Any] = {}
    for rule in rules.fields:
        if not rule.required and rule.name not in ALWAYS:
            continue
        if rule.name == "amount":
            value = amount_for(area, endpoint, ending)
        elif rule.name == "timestamp":
            value = TIMESTAMP
        elif rule.name == "tradeNo":
            value = "P20261124000001"
        elif rule.name == "remark":
            value = "order-42"
        elif rule.name == "notifyUrl":
            value = notify_url.replace("http://", "https://") if rule.https_only else notify_url
        elif rule.type == "url":
            value = "https://merchant.example/return"
        elif rule.example is not None:
            value = rule.example
        elif rule.type == "email":
            value = "payer@example.com"
        else:
            value = "Test Payer"
        body[rule.name] = value
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver() as running:
        yield running


@pytest.fixture
def advance(app: web.Application) -> Callable[[float], Awaitable[int]]:
    """Move the manual clock, delivering every callback due meanwhile (and waiting for it)."""

    async def move(seconds: float) -> int:
        return await app[keys.DISPATCHER].advance(seconds)

    return move


@pytest.fixture
def balance(gateway: Gateway) -> Callable[..., Awaitable[dict[str, str]]]:
    """queryBalance's data for the default merchant."""

    async def read(**kwargs: Any) -> dict[str, str]:
        _, answer = await gateway("queryBalance", {"timestamp": TIMESTAMP}, **kwargs)
        assert answer["code"] == "0000", answer
        data: dict[str, str] = answer["data"]
        return data

    return read


def funds(available: str, freeze: str = "0.00", unsettled: str = "0.00") -> dict[str, str]:
    return {"availableAmount": available, "freezeAmount": freeze, "unsettledAmount": unsettled}


def failed(msg: str, now_ms: int = NOW_MS) -> dict[str, Any]:
    """The request-failed envelope with ``msg``."""
    return {"msg": msg, "code": "8000", "timestamp": now_ms, "success": False, "data": None}
