"""Helpers shared by the admin routes: JSON errors, filters, the admin token."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Iterator
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.admin.health import PUBLIC_ROUTE
from vexora_sandbox.domain.orders import Order
from vexora_sandbox.errors import NotFound
from vexora_sandbox.responses import json_response
from vexora_sandbox.state.hooks import SAFE, NotSaved, committed

log = logging.getLogger("vexora_sandbox")
DOCS = "docs/admin-api.md"


def error(status: int, message: str, **extra: Any) -> web.Response:
    return json_response({"error": message, **extra}, status=status)


class AdminError(web.HTTPException):
    """An admin-route error, rendered as JSON ``{"error": message, ...extra}``."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        self.status_code = status
        self.message = message
        self.extra = extra
        super().__init__(
            text=json.dumps({"error": message, **extra}), content_type="application/json"
        )


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is too large for a number")
    return value


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request's JSON object body ({} when empty); 400 with a message otherwise.

    NaN and Infinity (which Python's reader accepts), numbers too large for a float, and
    nesting deeper than the reader's recursion limit are refused like any other bad JSON.
    """
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw, parse_constant=_not_json, parse_float=_finite)
    except RecursionError:
        raise AdminError(400, "the body is not valid JSON: it is nested too deeply") from None
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


def merchant_filter(request: web.Request, body: dict[str, Any] | None = None) -> str | None:
    """The ``merchantNo`` a route is limited to (query or body); 404 if not configured."""
    raw = (body or {}).get("merchantNo") or request.query.get("merchantNo") or None
    if raw is None:
        return None
    merchant = str(raw)
    try:
        request.config_dict[keys.STORE].merchant(merchant)
    except NotFound:
        raise AdminError(404, f"merchant {merchant} is not configured") from None
    return merchant


def orders(request: web.Request, merchant: str | None) -> Iterator[Order]:
    return request.config_dict[keys.STORE].orders(merchant)


def one_order(request: web.Request, trade_no: str, merchant: str | None) -> Order:
    """The order ``trade_no`` (of ``merchant``); 404 if none, 409 if several merchants have it."""
    store = request.config_dict[keys.STORE]
    # A lookup per merchant, not a walk of every order (kept orders are built on first
    # read: state.lazy).
    numbers = [merchant] if merchant else [m.merchant_no for m in store.merchants()]
    found = [store.order(n, trade_no) for n in numbers if store.has(n, trade_no)]
    if not found:
        whose = f" for merchant {merchant}" if merchant else ""
        raise AdminError(404, f"no order with tradeNo {trade_no}{whose}")
    if len(found) > 1:
        raise AdminError(
            409,
            f"{len(found)} merchants have an order {trade_no}; add merchantNo",
            merchantNos=[o.merchant_no for o in found],
        )
    return found[0]


def _route_error(request: web.Request, exc: web.HTTPException) -> web.Response:
    """A clear JSON message for an admin URL or method that does not exist."""
    if exc.status == 404:
        return error(404, f"no admin route {request.method} {request.path}; the routes: see {DOCS}")
    if exc.status == 405:
        allowed = exc.headers.get("Allow", "")
        return error(
            405,
            f"method {request.method} is not allowed on {request.path}; use {allowed}",
        )
    return error(exc.status, exc.reason)


def _authorized(request: web.Request) -> bool:
    token = request.config_dict[keys.CONFIG].admin_token
    name = request.match_info.route.name or ""
    # The dashboard's routes check access themselves (a cookie, a login form).
    if not token or name == PUBLIC_ROUTE or name.startswith("ui:"):
        return True
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@web.middleware
async def admin_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """The admin sub-application's middleware: the bearer token, then JSON errors.

    With ``admin_token`` set, every admin route but health needs
    ``Authorization: Bearer <token>``. An AdminError, an unknown admin URL or a wrong
    method is answered as ``{"error": "..."}``; an unexpected exception as a JSON 500,
    kept for a test harness to re-raise.
    """
    if not _authorized(request):
        return error(401, "this sandbox requires 'Authorization: Bearer <admin token>'")
    try:
        response: web.StreamResponse = await handler(request)
    except AdminError as exc:
        return error(exc.status, exc.message, **exc.extra)
    except web.HTTPException as exc:
        if exc.status >= 400:
            return _route_error(request, exc)
        failed = await _saved(request)  # a form's redirect, once its change is committed
        if failed is not None:
            return failed
        raise
    except Exception as exc:
        log.exception("unexpected error serving %s %s", request.method, request.path)
        request.config_dict[keys.ERRORS].append(exc)
        return error(500, f"system exception in the sandbox: {type(exc).__name__}: {exc}")
    return await _saved(request) or response


async def _saved(request: web.Request) -> web.Response | None:
    """--state: a change is answered once it is committed (state.hooks); a 503 if the
    commit failed (it is tried again with the next one)."""
    if request.method in SAFE:
        return None
    try:
        await committed(request.config_dict)
    except NotSaved as exc:
        return error(503, str(exc))
    return None
