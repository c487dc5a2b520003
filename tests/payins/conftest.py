"""Fixtures for the pay-in tests: valid bodies for every area, a callback receiver, time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import START
from vexora_sandbox import keys
from vexora_sandbox.protocol.rules import FieldRule, load_areas
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
    # Required fields, then those a condition of the area file requires given the others.
    for rule in rules.fields:
        if rule.required or rule.name in ALWAYS:
            body[rule.name] = _value(area, endpoint, rule, notify_url, ending)
    for name, pairs in rules.conditional.items():
        field = rules.field(name)
        needed = any(r.required and condition.holds(body) for condition, r in pairs)
        if field is not None and needed and name not in body:
            body[name] = _value(area, endpoint, field, notify_url, ending)
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def _value(area: str, endpoint: str, rule: FieldRule, notify_url: str, ending: str) -> str:
    if rule.name == "amount":
        return amount_for(area, endpoint, ending)
    if rule.name == "timestamp":
        return TIMESTAMP
    if rule.name == "tradeNo":
        return "P20261124000001"
    if rule.name == "remark":
        return "order-42"
    if rule.name == "notifyUrl":
        return notify_url.replace("http://", "https://") if rule.https_only else notify_url
    if rule.type == "url":
        return "https://merchant.example/return"
    if rule.example is not None:
        return rule.example
    if rule.type == "email":
        return "payer@example.com"
    return "Test Payer"


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
