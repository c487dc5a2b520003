"""JSON answers, for the gateway's envelope and the admin API alike."""

from __future__ import annotations

import json
import re
import secrets
from decimal import Decimal
from typing import Any

from aiohttp import web

# A Decimal is written as a JSON number with its exact digits (9998989.1200, as the balance
# pages show): json writes it as a marked string first, which is then unquoted. The random
# tag keeps a merchant's own text from ever looking like one.
_TAG = secrets.token_hex(8)
_MARKED = re.compile(rf'"\\u0000{_TAG}(-?[0-9]+(?:\.[0-9]+)?)"')


def _number(value: Any) -> str:
    if isinstance(value, Decimal) and value.is_finite():
        return f"\x00{_TAG}{value:f}"
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(payload: Any) -> str:
    """Compact JSON (non-ASCII as itself), a Decimal as a JSON number with its digits."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_number)
    return _MARKED.sub(r"\1", text) if "\\u0000" in text else text


def json_response(
    payload: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Compact UTF-8 JSON (non-ASCII as itself, as the gateway's answers carry names)."""
    return web.Response(
        body=dumps(payload).encode("utf-8"),
        status=status,
        content_type="application/json",
        headers=headers,
    )
