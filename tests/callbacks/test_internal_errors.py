"""A bug of ours in the callback path is recorded for the test harness to re-raise."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import payout_body
from vexora_sandbox import keys
from vexora_sandbox.callbacks import attempt as attempt_module

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]


async def test_an_exception_building_a_callback_is_kept_and_logged(
    app: web.Application,
    gateway: Gateway,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object, **kwargs: object) -> dict[str, str]:
        raise RuntimeError("broken callback builder")

    monkeypatch.setattr(attempt_module, "callback_body", broken)
    _, answer = await gateway("disbursements", payout_body())
    assert answer["code"] == "0000"
    with caplog.at_level(logging.ERROR, "vexora_sandbox.callbacks"):
        await app[keys.DISPATCHER].advance(2)
    (error,) = app[keys.ERRORS]
    assert isinstance(error, RuntimeError) and str(error) == "broken callback builder"
    assert "failed inside the sandbox" in caplog.text
    (delivery,) = app[keys.DISPATCHER].deliveries
    assert delivery.gave_up and not delivery.pending
