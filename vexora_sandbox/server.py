"""Running the application on a socket: shared by ``serve`` and the test helpers.

Connections (sandbox choice; docs/configuration.md and docs/container.md give the figures):

- a connection that has not sent a complete request head within ``keepalive_timeout``
  seconds of opening, or of its last answer, is closed: aiohttp measures the keep-alive
  timeout and the header-read deadline with one timer;
- ``serve`` watches its file descriptors (under uvloop too, where libuv closes what it
  cannot accept without telling): above 90% of the open-file limit it closes the
  oldest connections (the silent ones of an attack, or clients' idle keep-alive
  connections, which they open again when needed) down to 70%, and
  an accept refused for lack of descriptors (``EMFILE``) is logged once per interval with
  a count, not once per accept;
- on SIGTERM or SIGINT the requests in flight get ``SHUTDOWN_GRACE`` seconds to finish and
  as long again to end once cancelled, so with the dispatcher's own bounded stop the
  process exits within the 2 seconds a container runtime allows.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import resource
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from vexora_sandbox import keys

log = logging.getLogger("vexora_sandbox")

# aiohttp waits this long for requests in flight, then as long again after cancelling them.
SHUTDOWN_GRACE = 0.6
DEFAULT_KEEPALIVE = 60.0
GUARD_INTERVAL = 0.5  # seconds between two looks at the descriptors in use
HIGH_WATER, LOW_WATER = 0.9, 0.7  # of the open-file limit
EMFILE_LOG_INTERVAL = 10.0
_ACCEPT_FAILED = "socket.accept() out of system resource"


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
    config = app.get(keys.CONFIG)
    keepalive = DEFAULT_KEEPALIVE if config is None else config.keepalive_timeout
    runner = web.AppRunner(
        app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE, keepalive_timeout=keepalive
    )
    try:
        # A start that fails (a state file, the bind) undoes what started before it: the
        # cleanup contexts already entered are left, as aiohttp allows after a failed setup.
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    addresses = runner.addresses
    actual = addresses[0][1] if addresses else port
    dispatcher = app.get(keys.DISPATCHER)
    if dispatcher is not None:  # callbacks never go to these (callbacks.selfcall)
        for address in addresses:
            dispatcher.own.add(str(address[0]), int(address[1]))
    return Listening(runner, host, actual)


def open_descriptors(limit: int | None = None) -> int | None:
    """How many file descriptors this process has open (None where /proc is missing).

    Listing them takes a descriptor too: when none is left, that is ``limit`` in use.
    """
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError as exc:
        return limit if exc.errno in (errno.EMFILE, errno.ENFILE) else None


class DescriptorGuard:
    """Closes the oldest connections when descriptors run low; logs EMFILE once per interval."""

    def __init__(self, runner: web.AppRunner, *, limit: int | None = None) -> None:
        self.runner = runner
        self.limit = limit or resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        self.closed = 0
        self._accept_failures = 0
        self._last_report: float | None = None
        self._previous: Any = None

    def relieve(self, in_use: int | None = None) -> int:
        """Close the oldest connections if descriptors are above the high-water mark."""
        server = self.runner.server
        in_use = open_descriptors(self.limit) if in_use is None else in_use
        if server is None or in_use is None or in_use < self.limit * HIGH_WATER:
            return 0
        excess = in_use - int(self.limit * LOW_WATER)
        oldest = server.connections[:excess]  # in the order they were accepted
        for connection in oldest:
            connection.force_close()
        self.closed += len(oldest)
        return len(oldest)

    def on_loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") != _ACCEPT_FAILED:
            if self._previous is not None:
                self._previous(loop, context)
            else:
                loop.default_exception_handler(context)
            return
        self._accept_failures += 1
        now = loop.time()
        if self._last_report is None or now - self._last_report >= EMFILE_LOG_INTERVAL:
            log.error(
                "out of file descriptors (limit %d): %d connection(s) refused since the last "
                "report (%s); closing the oldest connections",
                self.limit,
                self._accept_failures,
                context.get("exception"),
            )
            self._accept_failures = 0
            self._last_report = now
        self.relieve(in_use=self.limit)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self._previous = loop.get_exception_handler()
        loop.set_exception_handler(self.on_loop_error)
        try:
            while True:
                await asyncio.sleep(GUARD_INTERVAL)
                self.relieve()
        finally:
            loop.set_exception_handler(self._previous)


async def serve_until_signal(
    app: web.Application, host: str, port: int, on_ready: Callable[[Listening], None]
) -> None:
    """Serve until SIGINT or SIGTERM, then shut down cleanly."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    listening = await listen(app, host, port)
    guard = asyncio.create_task(DescriptorGuard(listening.runner).run(), name="vexora-fd-guard")
    try:
        on_ready(listening)
        await stop.wait()
        log.info("shutting down")
    finally:
        guard.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await guard
        await listening.runner.cleanup()
