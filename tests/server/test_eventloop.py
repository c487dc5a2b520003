"""``serve``'s event loop: uvloop's when importable (the ``speed`` extra), else asyncio's."""

from __future__ import annotations

import asyncio
import sys

import pytest

from vexora_sandbox import eventloop


def test_without_uvloop_the_default_asyncio_loop_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop raises ImportError
    assert eventloop.loop_factory() is None
    seen: list[str] = []

    async def main() -> None:
        seen.append(type(asyncio.get_running_loop()).__module__)

    eventloop.run(main())
    assert seen == ["asyncio.unix_events"]


def test_with_uvloop_installed_its_loop_runs() -> None:
    pytest.importorskip("uvloop")
    seen: list[str] = []

    async def main() -> None:
        seen.append(type(asyncio.get_running_loop()).__module__)

    eventloop.run(main())
    assert seen == ["uvloop"]
