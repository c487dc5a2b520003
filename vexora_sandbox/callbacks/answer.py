"""Reading one HTTP/1.1 answer from a stream, strictly and within bounds.

The callback client's other half (``callbacks.http``): the status line (1xx interim
answers skipped), headers and trailers capped at MAX_HEADER_BYTES, and a body read by
Content-Length, chunked, or until close, never more than the caller's limit.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

MAX_HEADER_BYTES = 64 * 1024
_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([1-9][0-9]{2})(?: [^\r\n]*)?")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


class Failed(Exception):
    """An attempt that went wrong; the message is what the journal records."""


@dataclass(slots=True)
class Reading:
    """The answer as far as it got: kept for the journal when the attempt fails."""

    status: int | None = None
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0
    received: bool = False  # any byte of the answer at all
    header_bytes: int = 0
    expected: int | None = None  # the Content-Length

    def add(self, data: bytes) -> None:
        self.chunks.append(data)
        self.size += len(data)


def cut_short(reading: Reading, exc: asyncio.IncompleteReadError) -> str:
    if reading.status is None:
        got = exc.partial[:80]
        if got and not got.startswith(b"HTTP/"[: len(got)]):
            return f"not an HTTP answer: {got!r}"
        return f"connection closed in the middle of the answer's headers after {got!r}"
    if exc.partial:
        reading.add(exc.partial)
    of = f" of {reading.expected}" if reading.expected is not None else ""
    return f"answer cut short: the connection closed after {reading.size}{of} body bytes"


async def _read_head(reader: asyncio.StreamReader, reading: Reading) -> bytes:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            reading.received = True
        raise
    except asyncio.LimitOverrunError:
        reading.received = True
        raise
    reading.received = True
    reading.header_bytes += len(head)
    if reading.header_bytes > MAX_HEADER_BYTES:
        raise asyncio.LimitOverrunError("headers", reading.header_bytes)
    return head


async def read_answer(
    reader: asyncio.StreamReader, limit: int, reading: Reading
) -> tuple[bool, bool]:
    """Read one answer into ``reading``: (complete, connection reusable)."""
    while True:
        head = await _read_head(reader, reading)
        lines = head[:-4].split(b"\r\n")
        match = _STATUS_LINE.fullmatch(lines[0])
        if match is None:
            raise Failed(f"not an HTTP answer: {lines[0][:80]!r}")
        status = int(match.group(2))
        if status >= 200:
            break
        if status == 101:
            raise Failed("not an HTTP answer: 101 Switching Protocols to a POST")
    reading.status = status
    minor = match.group(1)
    headers: dict[bytes, bytes] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise Failed(f"not an HTTP answer: bad header line {line[:80]!r}")
        key = name.lower()
        value = value.strip(b" \t")
        if key in headers:
            if key == b"content-length" and headers[key] != value:
                raise Failed("not an HTTP answer: conflicting Content-Length headers")
            headers[key] = headers[key] + b", " + value
        else:
            headers[key] = value
    tokens = {t.strip().lower() for t in headers.get(b"connection", b"").split(b",")}
    keep = b"close" not in tokens if minor == b"1" else b"keep-alive" in tokens
    encoding = headers.get(b"transfer-encoding")
    length = headers.get(b"content-length")
    if status in (204, 304):
        return True, keep
    if encoding is not None:
        if encoding.lower().rsplit(b",", 1)[-1].strip() != b"chunked":
            return await _read_to_close(reader, limit, reading), False
        complete = await _read_chunked(reader, limit, reading)
        return complete, keep and complete
    if length is not None:
        if not length.isdigit() or len(length) > 18:
            raise Failed(f"not an HTTP answer: Content-Length {length[:40]!r}")
        size = reading.expected = int(length)
        if size:
            reading.add(await reader.readexactly(min(size, limit)))
        return size <= limit, keep and size <= limit
    return await _read_to_close(reader, limit, reading), False


async def _read_to_close(reader: asyncio.StreamReader, limit: int, reading: Reading) -> bool:
    while reading.size < limit:
        data = await reader.read(limit - reading.size)
        if not data:
            return True
        reading.add(data)
    return reader.at_eof() or not await reader.read(1)


async def _read_chunked(reader: asyncio.StreamReader, limit: int, reading: Reading) -> bool:
    while True:
        line = await reader.readuntil(b"\r\n")
        reading.header_bytes += len(line)
        size_text = line[:-2].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise Failed(f"not an HTTP answer: bad chunk size {line[:40]!r}") from None
        if size == 0:
            break
        room = limit - reading.size
        if size > room:
            if room:
                reading.add(await reader.readexactly(room))
            return False
        reading.add(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n":
            raise Failed("not an HTTP answer: a chunk not followed by CRLF")
        if reading.header_bytes > MAX_HEADER_BYTES:
            raise asyncio.LimitOverrunError("chunk lines", reading.header_bytes)
    while True:  # trailers, up to an empty line
        line = await reader.readuntil(b"\r\n")
        reading.header_bytes += len(line)
        if reading.header_bytes > MAX_HEADER_BYTES:
            raise asyncio.LimitOverrunError("trailers", reading.header_bytes)
        if line == b"\r\n":
            return True
