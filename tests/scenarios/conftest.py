"""Fixtures for scenario tests: a merchant's callback endpoint on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vexora_sandbox.testing import CallbackReceiver


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver() as started:
        yield started
