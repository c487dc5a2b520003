"""JSON answers, for the gateway's envelope and the admin API alike (``protocol.jsonout``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from vexora_sandbox.protocol.jsonout import fast_bytes, wire_bytes, wire_text


def dumps(payload: Any) -> str:
    """Compact JSON (non-ASCII as itself), a Decimal as a JSON number with its digits."""
    return wire_text(payload)


def json_response(
    payload: Any,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    no_floats: bool = False,
) -> web.Response:
    """Compact UTF-8 JSON (non-ASCII as itself, as the gateway's answers carry names).

    ``no_floats``: the payload holds no float (the gateway's envelope), so it may be
    written by orjson when installed; the bytes are the same (``protocol.jsonout``).
    """
    return web.Response(
        body=fast_bytes(payload) if no_floats else wire_bytes(payload),
        status=status,
        content_type="application/json",
        headers=headers,
    )
