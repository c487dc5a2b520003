"""Long-poll waiters for callback attempts (``GET /_sandbox/callbacks?wait=``).

A finished attempt wakes only the waiters whose filter it matches: waiters for one
``tradeNo`` are looked up by it, the others are tested one by one, and nobody scans the
delivery log per wake-up.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from vexora_sandbox.callbacks.delivery import Delivery


@dataclass(eq=False, slots=True)
class _Waiter:
    match: Callable[[Delivery], bool]
    future: asyncio.Future[Delivery] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Waiters:
    def __init__(self) -> None:
        self._by_trade_no: dict[str, set[_Waiter]] = {}
        self._others: set[_Waiter] = set()

    def __len__(self) -> int:
        return len(self._others) + sum(map(len, self._by_trade_no.values()))

    async def wait(
        self, match: Callable[[Delivery], bool], timeout: float, *, trade_no: str | None = None
    ) -> Delivery | None:
        """The first delivery ``match`` accepts among those notified within ``timeout``."""
        waiter = _Waiter(match)
        group = self._others if trade_no is None else self._by_trade_no.setdefault(trade_no, set())
        group.add(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                return await asyncio.wait_for(waiter.future, timeout)
            return None
        finally:
            group.discard(waiter)
            if trade_no is not None and not group:
                self._by_trade_no.pop(trade_no, None)

    def notify(self, delivery: Delivery) -> None:
        """An attempt of ``delivery`` was recorded: wake the waiters it matches."""
        group = self._by_trade_no.get(delivery.order.trade_no)
        for waiters in (group, self._others):
            for waiter in waiters or ():
                if not waiter.future.done() and waiter.match(delivery):
                    waiter.future.set_result(delivery)
