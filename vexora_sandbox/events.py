"""The one observer hook: what the sandbox did, for the console, the metrics and the dashboard.

``api.routes`` reports each gateway call once it is journaled; the callback dispatcher
reports each attempt once its outcome is recorded. Watchers subscribe here instead of
being wired into those places. A watcher runs inline on the event loop, so it must be
cheap and must not raise; one that raises is logged and dropped, never breaking a call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vexora_sandbox.callbacks.delivery import Delivery

log = logging.getLogger("vexora_sandbox")

CallWatcher = Callable[[dict[str, Any], float], None]
AttemptWatcher = Callable[["Delivery", dict[str, Any]], None]


class Events:
    """Fans out calls and callback attempts to the watchers subscribed."""

    def __init__(self) -> None:
        self._calls: list[CallWatcher] = []
        self._attempts: list[AttemptWatcher] = []

    def on_call(self, watcher: CallWatcher) -> Callable[[], None]:
        """Watch gateway calls; returns the function that stops watching."""
        self._calls.append(watcher)
        return lambda: self._drop(self._calls, watcher)

    def on_attempt(self, watcher: AttemptWatcher) -> Callable[[], None]:
        """Watch callback attempts; returns the function that stops watching."""
        self._attempts.append(watcher)
        return lambda: self._drop(self._attempts, watcher)

    @staticmethod
    def _drop(watchers: list[Any], watcher: Any) -> None:
        if watcher in watchers:
            watchers.remove(watcher)

    def call(self, entry: dict[str, Any], seconds: float) -> None:
        """A gateway call, as journaled, and how long it took to answer (real seconds)."""
        for watcher in tuple(self._calls):
            try:
                watcher(entry, seconds)
            except Exception:
                log.exception("a call watcher failed; it is removed")
                self._drop(self._calls, watcher)

    def attempt(self, delivery: Delivery, attempt: dict[str, Any]) -> None:
        """A callback attempt whose outcome was just recorded on ``delivery``."""
        for watcher in tuple(self._attempts):
            try:
                watcher(delivery, attempt)
            except Exception:
                log.exception("a callback attempt watcher failed; it is removed")
                self._drop(self._attempts, watcher)


def attempt_outcome(delivery: Delivery, attempt: Mapping[str, Any]) -> str:
    """``acknowledged``, ``retry``, ``gave_up``, or ``not_acknowledged`` (cancelled by a
    reset while on the wire): what became of one attempt, for the console and the metrics."""
    if attempt.get("acknowledged"):
        return "acknowledged"
    if delivery.gave_up:
        return "gave_up"
    if attempt.get("nextAttemptAt") is not None:
        return "retry"
    return "not_acknowledged"
