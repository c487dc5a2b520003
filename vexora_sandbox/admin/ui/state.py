"""What the dashboard keeps while the sandbox runs: its CSRF token and its live streams."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# Events waiting for one slow browser before it misses some (it reloads on the next one).
STREAM_BACKLOG = 100


@dataclass
class UiState:
    # One random token per run: a form from another site cannot know it.
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    streams: set[asyncio.Queue[dict[str, Any] | None]] = field(default_factory=set)
    stops: list[Callable[[], None]] = field(default_factory=list)  # unsubscribe the events
    templates: Any = None  # the jinja2.Environment, made on the first page shown

    def publish(self, event: dict[str, Any]) -> None:
        for stream in self.streams:
            if stream.full():
                continue  # that browser catches up on the next event
            stream.put_nowait(event)

    def close(self) -> None:
        for stream in self.streams:
            while stream.full():
                stream.get_nowait()
            stream.put_nowait(None)


UI = web.AppKey("vexora_sandbox.ui", UiState)
