"""The socket between the sandbox and its delivery process (``callbacks.worker``).

Both ends speak length-prefixed frames, each a ``marshal``-ed list of tuples: what one side
had to say during one turn of its event loop goes out as one frame, so ten thousand
callbacks falling due together cost a few writes, not ten thousand. ``marshal`` (plain
tuples of numbers, texts and bytes) because both ends are the same interpreter and it is
the cheapest encoding there is; nothing else ever reads these frames.

Messages, sandbox to process: ``(POST, id, url, body, timeout, max_response)``,
``(ABORT, id)``, ``(OWN, host, port)`` (an address of the sandbox itself: never sent to).
Process to sandbox: ``(READY, pid)``, ``(ANSWER, id, status, body, error, refused,
elapsed)``, ``(BUG, id, text)`` (an exception of ours in the process).
"""

from __future__ import annotations

import asyncio
import marshal
import struct
from collections.abc import Callable
from typing import Any, cast

POST, ABORT, OWN, READY, ANSWER, BUG = range(6)
_LENGTH = struct.Struct(">I")
MAX_FRAME = 1 << 30  # far above any batch; a longer length means a broken stream

Message = tuple[Any, ...]


class Pipe(asyncio.Protocol):
    """One end: ``send`` queues a message for this turn's frame; ``receive`` is handed each
    frame's messages; ``lost`` is called once when the other end is gone."""

    def __init__(
        self,
        receive: Callable[[list[Message]], None],
        lost: Callable[[Exception | None], None],
    ) -> None:
        self._receive = receive
        self._lost = lost
        self._buffer = bytearray()
        self._out: list[Message] = []
        self._transport: asyncio.Transport | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods.
        self._transport = cast(asyncio.Transport, transport)
        if self._out:
            asyncio.get_running_loop().call_soon(self._flush)

    def send(self, message: Message) -> None:
        if self.closed:
            return
        if not self._out and self._transport is not None:
            asyncio.get_running_loop().call_soon(self._flush)
        self._out.append(message)

    def _flush(self) -> None:
        if not self._out or self._transport is None or self.closed:
            return
        data = marshal.dumps(self._out)
        self._out = []
        self._transport.write(_LENGTH.pack(len(data)) + data)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        start = 0
        while len(buffer) - start >= 4:
            (size,) = _LENGTH.unpack_from(buffer, start)
            if size > MAX_FRAME:
                self.close()
                return
            end = start + 4 + size
            if len(buffer) < end:
                break
            self._receive(marshal.loads(buffer[start + 4 : end]))
            start = end
        if start:
            del buffer[:start]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._out = []
        self._lost(exc)

    def close(self) -> None:
        """Send what is queued, then close (the other end sees EOF)."""
        if self._transport is not None and not self.closed:
            self._flush()
            self.closed = True
            self._transport.close()
