"""Request bodies in a ``Content-Encoding``: decoded here, refused with 8000 when unknown.

aiohttp's own decoding answered outside the envelope (``Content-Encoding: br`` or ``zstd``:
a text/plain 400 asking to install Brotli; some bad deflate bodies: ``HTTP/1.0 400`` with
the body ``deflate``), so the sandbox takes the raw bytes (``auto_decompress`` off) and
decodes them itself. Supported: ``gzip`` (and its alias ``x-gzip``), ``deflate`` (zlib, or
raw deflate as some clients send it) and ``identity``, applied in the reverse order of the
header; anything else is refused (sandbox choice: https://docs.vexora.com/guide/ documents
JSON bodies and no compression). The decoded body is bounded by ``max_body_bytes``, so a
small compressed body cannot expand without limit.
"""

from __future__ import annotations

import zlib

from vexora_sandbox.errors import GatewayError

SUPPORTED = ("gzip", "deflate", "identity")
_ALIASES = {"x-gzip": "gzip"}
_CHUNK = 64 * 1024


def codings(header: str | None) -> list[str]:
    """The header's codings in the order they were applied; ``identity`` left out."""
    if not header:
        return []
    found = []
    for part in header.split(","):
        name = part.strip().lower()
        name = _ALIASES.get(name, name)
        if name and name != "identity":
            found.append(name)
    return found


def decode_body(raw: bytes, header: str | None, limit: int) -> bytes:
    """``raw`` with every coding of ``header`` undone; GatewayError 8000 (413 when the
    decoded body would exceed ``limit`` bytes) when that is not possible."""
    applied = codings(header)
    for name in applied:
        if name not in SUPPORTED:
            raise GatewayError(
                f"unsupported Content-Encoding {name!r}; the sandbox decodes {', '.join(SUPPORTED)}"
            )
    for name in reversed(applied):
        raw = _inflate(raw, name, limit)
    return raw


def _inflate(data: bytes, name: str, limit: int) -> bytes:
    if name == "gzip":
        return _run(zlib.decompressobj(16 + zlib.MAX_WBITS), data, name, limit)
    try:
        return _run(zlib.decompressobj(zlib.MAX_WBITS), data, name, limit)
    except GatewayError as exc:
        if exc.http_status == 413:
            raise
    return _run(zlib.decompressobj(-zlib.MAX_WBITS), data, name, limit)  # raw deflate


def _run(inflater: zlib._Decompress, data: bytes, name: str, limit: int) -> bytes:
    out: list[bytes] = []
    size = 0
    try:
        chunk = inflater.decompress(data, _CHUNK)
        while True:
            size += len(chunk)
            if size > limit:
                raise GatewayError(
                    f"request body is too large once decoded ({name}): more than the "
                    f"limit of {limit} bytes",
                    http_status=413,
                )
            out.append(chunk)
            if not inflater.unconsumed_tail:
                break
            chunk = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
        rest = inflater.flush()
        if size + len(rest) > limit:
            raise GatewayError(
                f"request body is too large once decoded ({name}): more than the "
                f"limit of {limit} bytes",
                http_status=413,
            )
        out.append(rest)
    except zlib.error as exc:
        raise GatewayError(
            f"request body cannot be decoded: it is not valid {name} data ({exc})"
        ) from None
    if not inflater.eof or inflater.unused_data:
        what = "ends before its end" if not inflater.eof else "has bytes after its end"
        raise GatewayError(f"request body cannot be decoded: the {name} data {what}")
    return b"".join(out)
