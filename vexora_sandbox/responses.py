"""JSON answers, for the gateway's envelope and the admin API alike."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


def json_response(
    payload: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Compact UTF-8 JSON (non-ASCII as itself, as the gateway's answers carry names)."""
    return web.Response(
        body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        status=status,
        content_type="application/json",
        headers=headers,
    )
