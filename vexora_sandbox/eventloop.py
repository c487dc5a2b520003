"""The event loop ``serve`` runs on: uvloop's when it is installed, else asyncio's.

uvloop comes with the ``speed`` extra (``pip install 'vexora-sandbox[speed]'``); it is not a
dependency, so a plain install serves on asyncio's loop. Its effect is measured by
bench/throughput.py (the ``asyncio loop`` rows run the same sandbox with uvloop hidden).
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Coroutine
from typing import Any


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or None (asyncio's default) when uvloop is not importable."""
    try:
        uvloop = importlib.import_module("uvloop")
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run(main: Coroutine[Any, Any, None]) -> None:
    """``asyncio.run(main)`` on the loop chosen above."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(main)
