"""A small, strict HTTP/1.1 client for callbacks: POST a small body, read a bounded answer.

Standard library only, on asyncio streams. Built for the dispatcher's one job, where the
aiohttp client cost ~300-450 us of CPU per callback: one pre-built request head per URL,
one write per request, keep-alive connections pooled per (scheme, host, port), redirects
never followed, no proxies, no cookies. How many requests run at once, per destination
and in all, is the caller's to decide (``callbacks.lanes``); a connection to an address the
``refuse`` hook names is closed before any byte is sent. Every failure is returned as an
``Answer.error`` text for the callback journal, never raised; only a bug (or a
cancellation) propagates.

The URL must already be percent-encoded (printable ASCII): its path and query are sent byte
for byte as given.
"""

from __future__ import annotations

import asyncio
import base64
import re
import socket
import ssl
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from vexora_sandbox._version import __version__
from vexora_sandbox.callbacks.answer import (
    MAX_HEADER_BYTES,
    Failed,
    Reading,
    cut_short,
    read_answer,
)

USER_AGENT = f"vexora-sandbox/{__version__}"
IDLE_SECONDS = 15.0  # a pooled connection idle longer than this is not reused
MAX_IDLE_TOTAL = 256
CLOSE_WAIT = 0.25  # seconds ``close()`` waits for pooled connections' closing handshakes
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PRINTABLE = re.compile(r"[!-~]+")


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a callback goes: one pool of connections, one lane (``callbacks.lanes``) each.
    Not named origin: ``Delivery.origin`` is what made a callback (scenario, replay, ...)."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Target:
    destination: Destination
    head: bytes  # request line and headers up to (not including) Content-Length


@dataclass(slots=True)
class Answer:
    """What came back: status (None when no status line arrived), body bytes read, error."""

    status: int | None = None
    body: bytes = b""
    error: str | None = None
    refused: bool = False  # not sent: the ``refuse`` hook named the address
    elapsed: float = 0.0  # seconds the attempt took, measured where it was made


class _Refused(Exception):
    """The connected address is one the client must not send to."""


@lru_cache(maxsize=4096)
def parse_url(url: str) -> Target:
    """The destination and request head for ``url``; ValueError when it cannot be used."""
    if not _PRINTABLE.fullmatch(url):
        raise ValueError("the URL is empty or not percent-encoded printable ASCII")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"scheme {parts.scheme!r} is not http or https")
    host = parts.hostname
    if not host:
        raise ValueError("no host")
    port = parts.port or _DEFAULT_PORTS[scheme]  # ValueError on a bad port
    rest = url.split("://", 1)[1]
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=-1)
    path = "" if cut < 0 else rest[cut:].split("#", 1)[0]
    if not path.startswith("/"):
        path = "/" + path
    destination = Destination(scheme, host, port)
    shown = f"[{host}]" if ":" in host else host
    if port != _DEFAULT_PORTS[scheme]:
        shown += f":{port}"
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {shown}",
        f"User-Agent: {USER_AGENT}",
        "Content-Type: application/json",
        "Connection: keep-alive",
    ]
    if parts.username is not None:
        user = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        lines.append("Authorization: Basic " + base64.b64encode(user.encode()).decode())
    return Target(destination, ("\r\n".join(lines) + "\r\n").encode("ascii"))


class _Stale(Exception):
    """A pooled connection closed before any byte of the answer: safe to try again."""


@dataclass(eq=False, slots=True)
class _Connection:
    destination: Destination
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0

    def usable(self, now: float) -> bool:
        return (
            now - self.idle_since < IDLE_SECONDS
            and not self.reader.at_eof()
            and not self.writer.is_closing()
        )

    def abort(self) -> None:
        self.writer.transport.abort()


class Client:
    """POSTs over pooled keep-alive connections; ``close()`` closes them all."""

    def __init__(
        self,
        *,
        max_idle_per_destination: int = 32,
        ssl_context: ssl.SSLContext | None = None,
        refuse: Callable[[tuple[str, int]], str | None] | None = None,
    ) -> None:
        self.max_idle_per_destination = max(1, max_idle_per_destination)
        self._ssl = ssl_context
        self._refuse = refuse
        self._idle: dict[Destination, deque[_Connection]] = {}
        self._idle_total = 0
        self._busy: set[_Connection] = set()
        self._closed = False
        self.connections_opened = 0

    def submit(
        self, url: str, body: bytes, *, timeout: float, max_response: int
    ) -> asyncio.Future[Answer]:
        """``post`` as a task: what the dispatcher waits on (``ProcessClient`` has it too)."""
        return asyncio.ensure_future(
            self.post(url, body, timeout=timeout, max_response=max_response)
        )

    async def post(self, url: str, body: bytes, *, timeout: float, max_response: int) -> Answer:
        """POST ``body`` to ``url``: the whole exchange within ``timeout`` seconds, at most
        ``max_response`` body bytes read."""
        started = time.perf_counter()
        try:
            target = parse_url(url)
        except ValueError as exc:
            return Answer(error=f"cannot send to this URL: {exc}")
        reading = Reading()
        try:
            async with asyncio.timeout(timeout):
                complete = await self._exchange(target, body, max_response, reading)
            error = None
            if not complete:
                error = f"answer longer than {max_response} bytes; the rest was not read"
        except TimeoutError:
            error = f"no complete answer within {timeout:g} s"
        except Failed as exc:
            error = str(exc)
        except _Refused as exc:
            return Answer(error=str(exc), refused=True, elapsed=time.perf_counter() - started)
        elapsed = time.perf_counter() - started
        return Answer(reading.status, b"".join(reading.chunks), error, elapsed=elapsed)

    async def _exchange(self, target: Target, body: bytes, limit: int, reading: Reading) -> bool:
        request = b"%sContent-Length: %d\r\n\r\n%s" % (target.head, len(body), body)
        pooled = self._take(target.destination)
        if pooled is not None:
            try:
                return await self._on(pooled, request, limit, reading)
            except _Stale:
                pass  # the merchant saw nothing of it: once more on a fresh connection
        connection = await self._connect(target.destination)
        try:
            return await self._on(connection, request, limit, reading)
        except _Stale:
            raise Failed("connection closed before any answer") from None

    async def _on(
        self, connection: _Connection, request: bytes, limit: int, reading: Reading
    ) -> bool:
        self._busy.add(connection)
        keep = False
        try:
            connection.writer.write(request)
            complete, keep = await read_answer(connection.reader, limit, reading)
            return complete
        except asyncio.IncompleteReadError as exc:
            if not reading.received and not exc.partial:
                raise _Stale from None
            raise Failed(cut_short(reading, exc)) from None
        except asyncio.LimitOverrunError:
            raise Failed(f"answer headers longer than {MAX_HEADER_BYTES} bytes") from None
        except (ConnectionResetError, BrokenPipeError) as exc:
            if not reading.received:
                raise _Stale from None
            raise Failed(f"connection reset in the middle of the answer ({exc})") from None
        except OSError as exc:
            raise Failed(f"connection failed: {exc.strerror or exc}") from None
        finally:
            self._busy.discard(connection)
            if keep and not self._closed:
                self._give_back(connection)
            else:
                connection.abort()

    async def _connect(self, destination: Destination) -> _Connection:
        context = None
        if destination.scheme == "https":
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            context = self._ssl
        try:
            reader, writer = await asyncio.open_connection(
                destination.host,
                destination.port,
                ssl=context,
                server_hostname=destination.host if context else None,
                limit=MAX_HEADER_BYTES,
            )
        except ConnectionRefusedError:
            raise Failed(f"connection refused by {destination}") from None
        except socket.gaierror as exc:
            raise Failed(f"cannot resolve {destination.host}: {exc.strerror or exc}") from None
        except ssl.SSLCertVerificationError as exc:
            reason = exc.verify_message or exc.reason
            raise Failed(f"TLS certificate of {destination} not accepted: {reason}") from None
        except ssl.SSLError as exc:
            raise Failed(f"TLS handshake with {destination} failed: {exc.reason or exc}") from None
        except OSError as exc:
            raise Failed(f"cannot connect to {destination}: {exc.strerror or exc}") from None
        if self._refuse is not None:
            peer = writer.get_extra_info("peername")
            refusal = None if not peer else self._refuse((str(peer[0]), int(peer[1])))
            if refusal is not None:
                writer.transport.abort()
                raise _Refused(refusal)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connections_opened += 1
        return _Connection(destination, reader, writer)

    # --- the pool --------------------------------------------------------------------

    def _take(self, destination: Destination) -> _Connection | None:
        idle = self._idle.get(destination)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            self._idle_total -= 1
            if connection.usable(now):
                return connection
            connection.abort()
        return None

    def _give_back(self, connection: _Connection) -> None:
        idle = self._idle.setdefault(connection.destination, deque())
        if len(idle) >= self.max_idle_per_destination or self._idle_total >= MAX_IDLE_TOTAL:
            connection.writer.close()
            return
        connection.idle_since = time.monotonic()
        idle.append(connection)
        self._idle_total += 1

    def idle_count(self, destination: Destination | None = None) -> int:
        if destination is None:
            return self._idle_total
        return len(self._idle.get(destination, ()))

    async def close(self) -> None:
        """Close every pooled connection; requests still running abort theirs when done."""
        self._closed = True
        writers = [c.writer for idle in self._idle.values() for c in idle]
        self._idle.clear()
        self._idle_total = 0
        for writer in writers:
            writer.close()
        for connection in list(self._busy):
            connection.abort()
        if writers:  # the closing handshakes, briefly: a shutdown has 2 s in all
            waits = [asyncio.ensure_future(writer.wait_closed()) for writer in writers]
            await asyncio.wait(waits, timeout=CLOSE_WAIT)
            for wait in waits:
                if not wait.done():
                    wait.cancel()
                elif not wait.cancelled():
                    wait.exception()  # retrieved: a peer that reset is no news here
