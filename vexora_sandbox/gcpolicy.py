"""Garbage-collection policy for a long-lived store: freeze what is stored, unfreeze on reset.

CPython's full (oldest-generation) collection walks every tracked object, so with 100,000+
stored orders it paused the server for hundreds of milliseconds, ever longer as the store
grew. The stored orders are long-lived by nature: once a second, if orders were created
since the last look (and at least ``start_at`` have been since the last full reset), the
young generations are collected and everything that survived is moved to the permanent
generation with ``gc.freeze()``, which the collector no longer walks. Frozen objects are
still freed by reference counting when dropped; only reference cycles among them wait for
``gc.unfreeze()``: done when a full reset is seen (the count of platform order numbers
issued went down) and when the application stops. The figures are in bench/README.md
(``bench/tail.py``). Sandbox choice: no gateway behaviour depends on it.

Small test suites that run the sandbox in their own process never reach ``start_at``
orders, so their objects are never frozen.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable

from aiohttp import web

INTERVAL = 1.0  # seconds between looks: freezing is cheap (a list splice)
START_AT = 1_000  # orders created since the last full reset before the first freeze


class GCPolicy:
    """Decides when to freeze and unfreeze; ``tick`` is called once per interval."""

    def __init__(
        self,
        issued: Callable[[], int],
        *,
        start_at: int = START_AT,
        enabled: bool = True,
    ) -> None:
        self.issued = issued
        self.start_at = start_at
        self.enabled = enabled
        self.freezes = 0
        self.unfreezes = 0
        self._seen = 0
        self._frozen_at = 0
        self._froze = False

    def tick(self) -> None:
        if not self.enabled:
            return
        issued = self.issued()
        if issued < self._seen:  # a full reset: the stored orders were dropped
            self.release()
        self._seen = issued
        if issued >= self.start_at and issued > self._frozen_at:
            # The young generations hold this second's short-lived garbage: collect it
            # (cheap, proportional to the young objects) rather than freeze it.
            gc.collect(1)
            gc.freeze()
            self._froze = True
            self._frozen_at = issued
            self.freezes += 1

    def release(self) -> None:
        """Hand every frozen object back to the collector."""
        if self._froze:
            gc.unfreeze()
            self._froze = False
            self.unfreezes += 1
        self._frozen_at = 0


def install(app: web.Application, issued: Callable[[], int]) -> GCPolicy:
    """A policy that runs while ``app`` serves (``enabled = False`` turns it off)."""
    policy = GCPolicy(issued)

    async def running(app: web.Application) -> AsyncIterator[None]:
        async def run() -> None:
            while True:
                await asyncio.sleep(INTERVAL)
                policy.tick()

        task = asyncio.create_task(run(), name="vexora-gc-policy")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        policy.release()

    app.cleanup_ctx.append(running)
    return policy
