"""SandboxServer: the sandbox in-process, served on a background thread."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from vexora_sandbox.config import SandboxConfig
from vexora_sandbox.testing._loop import BackgroundServer
from vexora_sandbox.testing.client import SandboxClient


class SandboxServer(BackgroundServer, SandboxClient):
    """The sandbox in-process, on a background thread and a free port of 127.0.0.1.

    ``config`` is a SandboxConfig (its host and port are ignored); keyword arguments
    override its fields, e.g. ``SandboxServer(clock="manual")``. Use it as a context
    manager (``with`` or ``async with``) or call ``start()`` and ``stop()``. Calls are made
    and signed as the first configured merchant (``merchant_no``, ``secret``).
    An exception raised inside the server while serving is answered as a ``5000`` and kept
    in ``errors``; ``raise_errors()`` re-raises it in the caller.
    """

    def __init__(self, config: SandboxConfig | None = None, **overrides: Any) -> None:
        config = (config or SandboxConfig()).replace(**overrides)
        merchant = config.merchants[0]
        super().__init__(
            "http://127.0.0.1:0",
            merchant_no=merchant.merchant_no,
            secret=merchant.secret,
            admin_token=config.admin_token,
        )
        self.config = config
        self.app: web.Application | None = None

    def start(self) -> SandboxServer:
        """Start serving (idempotent); returns self."""
        from vexora_sandbox.app import create_app

        if self._loop is not None:
            return self
        self.app = create_app(self.config)
        listening = self._listen(self.app, "127.0.0.1", "vexora-sandbox-server")
        self.url = listening.url
        self.admin.base_url = self.url
        return self

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised inside the server while serving (our own bugs)."""
        from vexora_sandbox import keys

        return [] if self.app is None else self.app[keys.ERRORS]

    def raise_errors(self) -> None:
        """Re-raise the first exception the server hit while serving, then forget them all."""
        errors = self.errors
        if errors:
            first, others = errors[0], errors[1:]
            errors.clear()
            if others:
                first.add_note(
                    f"the sandbox raised {len(others)} more exception(s) after it: "
                    + "; ".join(f"{type(e).__name__}: {e}" for e in others)
                )
            raise first
