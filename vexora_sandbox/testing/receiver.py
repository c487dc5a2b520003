"""CallbackReceiver: a stand-in for the merchant's callback endpoint, and what it records."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from vexora_sandbox.config import CLIENT
from vexora_sandbox.protocol import signing
from vexora_sandbox.testing._loop import BackgroundServer
from vexora_sandbox.testing.client import DEFAULT_SECRET

DEFAULT_RECEIVER_HOST = CLIENT["receiver_host"].default
# Listening on every address: no use in a URL, the receiver is reached at 127.0.0.1 here.
_WILDCARD_HOSTS = ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class Reply:
    """How the receiver answers one callback."""

    status: int = 200
    body: str = "OK"
    delay: float = 0.0
    hang: bool = False


@dataclass
class ReceivedCallback:
    """One callback as the receiver got it: ``body`` parsed, ``raw`` bytes, ``headers``,
    ``sign_valid`` (None when the receiver has no secret) and the Reply it was answered."""

    body: dict[str, Any]
    raw: bytes
    headers: dict[str, str]
    path: str
    query: dict[str, str]
    sign_valid: bool | None
    replied: Reply
    received_at: float = field(default_factory=time.time)

    @property
    def trade_no(self) -> str:
        """The callback's ``tradeNo``."""
        return str(self.body.get("tradeNo", ""))

    @property
    def status(self) -> str:
        """The callback's ``status``."""
        return str(self.body.get("status", ""))


class CallbackReceiver(BackgroundServer):
    """A stand-in for the merchant's callback endpoint, on a free port of 127.0.0.1 or ``host``.

    Records every callback, verifies its sign with ``secret``, and answers as told:
    ``reply(Reply(...))`` for every callback from now on, ``script([...])`` for the next
    ones in turn. ``wait_for(trade_no, status)`` blocks until one arrives.

    ``host`` is the address it listens on; ``advertised_host`` the host name its ``url``
    gives (default: ``host``, or 127.0.0.1 for a wildcard such as 0.0.0.0). A sandbox in
    another network namespace (a CI service container) needs both:
    ``CallbackReceiver(host="0.0.0.0", advertised_host="<this machine's name there>")``.
    """

    def __init__(
        self,
        secret: str | None = DEFAULT_SECRET,
        path: str = "/notify",
        *,
        host: str = DEFAULT_RECEIVER_HOST,
        advertised_host: str | None = None,
    ) -> None:
        self.secret = secret
        self.path = path
        self.host = host
        self.advertised_host = advertised_host
        self.received: list[ReceivedCallback] = []
        self._default = Reply()
        self._script: list[Reply] = []
        self._changed = threading.Condition()
        self.port = 0

    @property
    def url(self) -> str:
        """The URL to give as ``notifyUrl``: ``advertised_host``, the port, ``path``."""
        host = self.advertised_host or (
            DEFAULT_RECEIVER_HOST if self.host in _WILDCARD_HOSTS else self.host
        )
        if ":" in host:  # an IPv6 address
            host = f"[{host}]"
        return f"http://{host}:{self.port}{self.path}"

    def reply(self, reply: Reply | str = "OK", status: int = 200) -> None:
        """Answer every callback from now on with ``reply`` (a Reply, or a body text)."""
        self._default = reply if isinstance(reply, Reply) else Reply(status, reply)

    def script(self, replies: list[Reply | str]) -> None:
        """Answer the next callbacks with these, in turn; then the default again."""
        self._script = [r if isinstance(r, Reply) else Reply(200, r) for r in replies]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        valid = None if self.secret is None else signing.verify(body, self.secret)
        reply = self._script.pop(0) if self._script else self._default
        record = ReceivedCallback(
            body=body,
            raw=raw,
            headers=dict(request.headers),
            path=request.path,
            query=dict(request.query),
            sign_valid=valid,
            replied=reply,
        )
        with self._changed:
            self.received.append(record)
            self._changed.notify_all()
        if reply.hang:
            await asyncio.sleep(3600)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return web.Response(status=reply.status, text=reply.body)

    def start(self) -> CallbackReceiver:
        """Start listening (idempotent); returns self."""
        if self._loop is not None:
            return self
        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", self._handle)
        listening = self._listen(app, self.host, "vexora-callback-receiver")
        self.port = listening.port
        return self

    def clear(self) -> None:
        """Forget the received callbacks and go back to answering ``OK``."""
        with self._changed:
            self.received.clear()
        self._script = []
        self._default = Reply()

    def matching(
        self, trade_no: str | None = None, status: str | None = None
    ) -> list[ReceivedCallback]:
        """The callbacks received so far for ``trade_no`` (and ``status``)."""
        return [
            r
            for r in list(self.received)
            if (trade_no is None or r.trade_no == trade_no)
            and (status is None or r.status == status)
        ]

    def wait_for(
        self,
        trade_no: str | None = None,
        status: str | None = None,
        *,
        timeout: float = 10,
        count: int = 1,
    ) -> ReceivedCallback:
        """The ``count``-th callback for ``trade_no`` (and ``status``); TimeoutError if none."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self.matching(trade_no, status)
                if len(found) >= count:
                    return found[count - 1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    what = f"{trade_no or 'any order'}" + (
                        f" with status {status}" if status else ""
                    )
                    raise TimeoutError(
                        f"{count} callback(s) for {what} did not arrive within {timeout:g} s; "
                        f"{self._arrived(trade_no)}"
                    )
                self._changed.wait(remaining)

    def _arrived(self, trade_no: str | None) -> str:
        """What did arrive, for a timeout's message: the order's callbacks, or all of them."""
        shown = self.matching(trade_no)
        listed = ", ".join(f"{c.trade_no} {c.status}" for c in shown[:20])
        more = f" and {len(shown) - 20} more" if len(shown) > 20 else ""
        if trade_no is None:
            return f"received {len(shown)} in all" + (f": {listed}{more}" if shown else "")
        mine = f"{len(shown)} for {trade_no}" + (f" ({listed}{more})" if shown else "")
        return f"received {mine}, {len(self.received)} in all"

    async def await_for(
        self,
        trade_no: str | None = None,
        status: str | None = None,
        *,
        timeout: float = 10,
        count: int = 1,
    ) -> ReceivedCallback:
        """``wait_for`` for async code: waits on a thread, not the event loop."""
        return await asyncio.to_thread(
            self.wait_for, trade_no, status, timeout=timeout, count=count
        )
