"""The sandbox's side of the delivery process (``callbacks.worker``).

``ProcessClient`` has ``http.Client``'s ``post`` and ``close``, so the dispatcher is the
same in both delivery modes: it applies statuses, builds and signs bodies, shares slots
between destinations, journals attempts and handles cancels and resets, and only the HTTP
exchange (the larger part of a callback's CPU: connections, writes, reading and parsing
answers) runs in the other process, on another core. Requests leave in batches over a
socket pair (``callbacks.pipe``); each ``post`` waits for its answer.

The process starts when the first callback is scheduled (a sandbox that sends no callback
never starts it) and stops with ``close``; until it says it is ready, attempts are made on
this loop, so no callback waits for its start. When it dies, every attempt it held fails
with an error the journal shows and is retried on the gateway's schedule; the next attempt
starts a new process. One that stays silent for ``callback_timeout`` + ``STUCK_MARGIN`` is
killed, with the same outcome. One that cannot start at all (its first message never came)
is given up for the run: attempts go over ``http.Client`` in this process, and a warning
says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import vexora_sandbox
from vexora_sandbox.callbacks import pipe
from vexora_sandbox.callbacks.http import Answer, Client
from vexora_sandbox.callbacks.selfcall import OwnAddresses

logger = logging.getLogger("vexora_sandbox.callbacks")
STUCK_MARGIN = 5.0  # seconds past an attempt's timeout before the process counts as stuck
STOP_WAIT = 1.0  # seconds ``close`` waits for the process to end before killing it
BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from vexora_sandbox.callbacks import worker; worker.start(sys.argv[2:])"
)


# Usable CPUs from which ``auto`` means ``process``: one each for the serving loop, the
# delivery process and the merchant's receiver, which usually runs on the same machine. On
# two cores the delivery process shares one with the receiver (or the server) and a burst of
# callbacks arrives later than from the loop (bench/README.md, "Callbacks").
PROCESS_FROM_CPUS = 3


def chosen_mode(setting: str) -> str:
    """``process`` or ``loop`` for the ``callback_delivery`` setting: ``auto`` is ``process``
    when this process may run on at least ``PROCESS_FROM_CPUS`` CPUs."""
    if setting != "auto":
        return setting
    if sys.platform == "win32":  # no socket pairs passed to a child there: the loop
        return "loop"
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return "process" if cpus >= PROCESS_FROM_CPUS else "loop"


class WorkerBug(Exception):
    """An exception of ours inside the delivery process (recorded like one in-process)."""


class ProcessClient:
    def __init__(self, *, max_idle_per_destination: int, own: OwnAddresses) -> None:
        self._max_idle = max_idle_per_destination
        self._own = own
        own.listener = self._own_added
        self._popen: subprocess.Popen[bytes] | None = None
        self._pipe: pipe.Pipe | None = None
        self._ready = False  # the process said it runs (its first message)
        # Attempts made on this loop: until the process is ready, or for good when it cannot
        # start at all (``_given_up``).
        self._in_loop: Client | None = None
        self._given_up = False
        self._waiting: dict[int, tuple[asyncio.Future[Answer], float]] = {}
        self._number = 0
        self._watch: asyncio.Task[None] | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def pid(self) -> int | None:
        return None if self._popen is None else self._popen.pid

    def warm(self) -> None:
        """Start the process ahead of the first attempt (a callback was just scheduled), so
        that its start-up does not make the first callbacks late."""
        if self._pipe is None and not self._given_up and not self._closed:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                return  # not serving yet (a restore): the first attempt starts it
            self._start()

    def submit(
        self, url: str, body: bytes, *, timeout: float, max_response: int
    ) -> asyncio.Future[Answer]:
        """Send one attempt to the process; the future of its answer. Cancelling the future
        aborts the attempt there (its connection is dropped)."""
        if self._closed:
            stopped = asyncio.get_running_loop().create_future()
            stopped.set_result(Answer(error="not sent: the sandbox is stopping"))
            return stopped
        if self._pipe is None and not self._given_up:
            self._start()
        if self._pipe is None or not self._ready:
            # Not running yet (or at all): no callback waits for a process to start.
            local = self._local()
            return local.submit(url, body, timeout=timeout, max_response=max_response)
        self._number += 1
        number = self._number
        answer: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting[number] = (answer, time.monotonic() + timeout + STUCK_MARGIN)
        self._pipe.send((pipe.POST, number, url, body, timeout, max_response))
        answer.add_done_callback(functools.partial(self._done, number))
        if self._watch is None:
            self._watch = asyncio.create_task(self._watch_stuck())
        return answer

    def _done(self, number: int, answer: asyncio.Future[Answer]) -> None:
        aborted = answer.cancelled() and self._waiting.pop(number, None) is not None
        if aborted and self._pipe is not None:
            self._pipe.send((pipe.ABORT, number))

    def _start(self) -> None:
        parent, child = socket.socketpair()
        # The same package as this process's, wherever it was imported from.
        package_root = str(Path(vexora_sandbox.__file__).resolve().parent.parent)
        try:
            arguments = [package_root, str(child.fileno()), str(self._max_idle)]
            self._popen = subprocess.Popen(
                [sys.executable, "-c", BOOTSTRAP, *arguments],
                pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        except (OSError, ValueError) as exc:  # ValueError: pass_fds where unsupported
            parent.close()
            self._give_up(f"cannot start it: {exc}")
            return
        finally:
            child.close()
        self._ready = False
        self._pipe = ends = pipe.Pipe(self._receive, self._lost)
        for host, port in self._own.added:
            ends.send((pipe.OWN, host, port))
        loop = asyncio.get_running_loop()
        # Messages sent before the connection is made wait in the pipe (connection_made).
        self._connecting = asyncio.create_task(self._connect(loop, ends, parent))

    async def _connect(
        self, loop: asyncio.AbstractEventLoop, ends: pipe.Pipe, sock: socket.socket
    ) -> None:
        try:
            await loop.create_unix_connection(lambda: ends, sock=sock)
        except OSError as exc:
            sock.close()
            ends.connection_lost(exc)

    def _own_added(self, host: str, port: int) -> None:
        if self._pipe is not None:
            self._pipe.send((pipe.OWN, host, port))

    def _receive(self, messages: list[pipe.Message]) -> None:
        for message in messages:
            kind = message[0]
            if kind == pipe.ANSWER:
                _, number, status, body, error, refused, elapsed = message
                waiting = self._waiting.pop(number, None)
                if waiting is not None and not waiting[0].done():
                    waiting[0].set_result(Answer(status, body, error, refused, elapsed))
            elif kind == pipe.BUG:
                waiting = self._waiting.pop(message[1], None)
                if waiting is not None and not waiting[0].done():
                    waiting[0].set_exception(WorkerBug(message[2]))
            elif kind == pipe.READY:
                self._ready = True

    def _lost(self, exc: Exception | None) -> None:
        """The socket closed: the process ended (or ``close`` closed it)."""
        ready, self._pipe = self._ready, None
        code = None if self._closed else self._reap()  # else ``close`` waits for it
        if not self._closed and not ready:
            self._give_up(f"it ended before it was ready (exit status {code})")
        why = "the sandbox stopped" if self._closed else f"exit status {code}"
        failed = Answer(error=f"the delivery process ended before an answer came ({why})")
        for future, _ in self._waiting.values():
            if not future.done():
                future.set_result(failed)
        self._waiting.clear()

    def _reap(self) -> int | None:
        popen, self._popen = self._popen, None
        if popen is None:
            return None
        if popen.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                popen.wait(0.05)  # it is closing its end now, or about to
        if popen.poll() is None:
            popen.kill()
            popen.wait()
        return popen.returncode

    def _local(self) -> Client:
        if self._in_loop is None:
            self._in_loop = Client(
                max_idle_per_destination=self._max_idle, refuse=self._own.refusal
            )
        return self._in_loop

    def _give_up(self, why: str) -> None:
        logger.warning("callback delivery process: %s; delivering in-process instead", why)
        self._given_up = True

    async def _watch_stuck(self) -> None:
        """Kill a process that answers nothing past its attempts' timeouts (a margin on)."""
        while self._waiting:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            if self._popen is not None and any(t < now for _, t in self._waiting.values()):
                logger.warning("callback delivery process is stuck; killing it")
                self._popen.kill()
        self._watch = None

    async def close(self) -> None:
        """Stop the process: it closes its connections and ends (killed if it lingers)."""
        self._closed = True
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        popen = self._popen
        if self._connecting is not None:
            await asyncio.gather(self._connecting, return_exceptions=True)
        if self._pipe is not None:
            self._pipe.close()
        if popen is not None:
            deadline = time.monotonic() + STOP_WAIT
            while popen.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            if popen.poll() is None:
                popen.kill()
            popen.wait()
            self._popen = None
        if self._in_loop is not None:
            await self._in_loop.close()
