"""Running the application on a socket: shared by ``serve`` and the test helpers."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

log = logging.getLogger("vexora_sandbox")

# In-flight requests get this long to finish on shutdown; a container's SIGTERM must be
# answered within two seconds.
SHUTDOWN_GRACE = 1.5


@dataclass
class Listening:
    runner: web.AppRunner
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if host in ("0.0.0.0", "[::]"):
            host = "127.0.0.1"
        return f"http://{host}:{self.port}"


async def listen(app: web.Application, host: str, port: int) -> Listening:
    """Start serving ``app``; ``port`` 0 picks a free port, reported in the result."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    sockets = getattr(site._server, "sockets", None) or []
    actual = sockets[0].getsockname()[1] if sockets else port
    return Listening(runner, host, actual)


async def serve_until_signal(
    app: web.Application, host: str, port: int, on_ready: Callable[[Listening], None]
) -> None:
    """Serve until SIGINT or SIGTERM, then shut down cleanly."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    listening = await listen(app, host, port)
    try:
        on_ready(listening)
        await stop.wait()
        log.info("shutting down")
    finally:
        await listening.runner.cleanup()
