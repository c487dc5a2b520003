"""The event loop the test helpers serve on: a daemon thread, and the start/stop around it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Self, TypeVar

from aiohttp import web

if TYPE_CHECKING:
    from vexora_sandbox.server import Listening

T = TypeVar("T")


class _LoopThread:
    """An event loop running on a daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = 30) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self.loop.close()


class BackgroundServer:
    """An aiohttp application served on a ``_LoopThread``: ``stop()``, ``with``, ``async with``.

    A subclass's ``start()`` builds its application and hands it to ``_listen``.
    """

    _loop: _LoopThread | None = None
    _runner: web.AppRunner | None = None

    def start(self) -> Self:
        raise NotImplementedError

    def _listen(self, app: web.Application, host: str, thread_name: str) -> Listening:
        """Serve ``app`` on ``host`` at a free port, on a new loop thread."""
        from vexora_sandbox.server import listen

        loop = _LoopThread(thread_name)
        try:
            listening = loop.run(listen(app, host, 0))
        except BaseException:
            loop.close()
            raise
        self._loop, self._runner = loop, listening.runner
        return listening

    def stop(self) -> None:
        """Stop listening."""
        if self._loop is None:
            return
        if self._runner is not None:
            self._loop.run(self._runner.cleanup())
        self._loop.close()
        self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)
