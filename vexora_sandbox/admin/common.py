"""Helpers shared by the admin routes: JSON errors, filters, the admin token."""

from __future__ import annotations

import hmac
import json
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.api.middleware import ADMIN_PREFIX, json_response

PUBLIC = ("/_sandbox/health",)


def error(status: int, message: str, **extra: Any) -> web.Response:
    return json_response({"error": message, **extra}, status=status)


class AdminError(web.HTTPException):
    """An admin-route error, rendered as JSON ``{"error": ...}``."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        self.status_code = status
        super().__init__(
            text=json.dumps({"error": message, **extra}), content_type="application/json"
        )


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request's JSON object body ({} when empty); 400 with a message otherwise."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AdminError(400, f"the body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise AdminError(400, "the body must be a JSON object")
    return value


def flag(request: web.Request, name: str) -> bool | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise AdminError(400, f"{name} must be true or false; got {raw!r}")


def number(request: web.Request, name: str, *, default: float, lo: float, hi: float) -> float:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise AdminError(400, f"{name} must be a number; got {raw!r}") from None
    if not lo <= value <= hi:
        raise AdminError(400, f"{name} must be between {lo:g} and {hi:g}; got {raw}")
    return value


@web.middleware
async def admin_token(request: web.Request, handler: Any) -> web.StreamResponse:
    """With ``admin_token`` set, every /_sandbox/ route but health needs the bearer token."""
    token = request.app[keys.CONFIG].admin_token
    if token and request.path.startswith(ADMIN_PREFIX) and request.path not in PUBLIC:
        given = request.headers.get("Authorization", "")
        expected = f"Bearer {token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return error(401, "this sandbox requires 'Authorization: Bearer <admin token>'")
    response: web.StreamResponse = await handler(request)
    return response
