"""The one place where gateway errors become answers, and where calls are journaled."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.api.gateway import call_info
from vexora_sandbox.domain.clock import epoch_ms
from vexora_sandbox.errors import SYSTEM_EXCEPTION, GatewayError, SignError
from vexora_sandbox.protocol.envelope import envelope

log = logging.getLogger("vexora_sandbox")

ENVELOPE_KEY = web.RequestKey("vexora_sandbox.envelope", dict[str, Any])
ADMIN_PREFIX = "/_sandbox/"
SIGN_BASE_HEADER = "X-Sandbox-Sign-Base"
# Characters, not bytes: up to 4 UTF-8 bytes each still fits aiohttp's 8190-byte line.
SIGN_BASE_HEADER_CHARS = 2000


def json_response(
    payload: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def gateway_answer(
    request: web.Request,
    payload: dict[str, Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """Send an envelope and remember it for the journal."""
    request[ENVELOPE_KEY] = payload
    return json_response(payload, status=status, headers=headers)


def _now_ms(request: web.Request) -> int:
    return epoch_ms(request.app[keys.CLOCK].now())


def render_error(request: web.Request, exc: GatewayError) -> web.Response:
    payload = envelope(exc.code, exc.msg, _now_ms(request))
    info = call_info(request)
    info["error"] = exc.msg
    headers = exc.headers
    if isinstance(exc, SignError):
        info["signBase"] = exc.base
        headers = {**headers, SIGN_BASE_HEADER: _header_value(exc.base)}
    return gateway_answer(request, payload, status=exc.http_status, headers=headers)


def _header_value(base: str) -> str:
    """The sign base, shortened to what HTTP clients accept in one header.

    Clients refuse answers with longer header lines (aiohttp: 8190 bytes), so a wrong sign
    on a large body made the envelope unreadable; the journal keeps the whole base.
    """
    if len(base) <= SIGN_BASE_HEADER_CHARS:
        return base
    rest = len(base) - SIGN_BASE_HEADER_CHARS
    return (
        f"{base[:SIGN_BASE_HEADER_CHARS]}... ({rest} more characters: "
        "GET /_sandbox/requests shows the whole string)"
    )


def _http_error(request: web.Request, exc: web.HTTPException) -> web.Response:
    if request.path.startswith(ADMIN_PREFIX):
        return json_response({"error": exc.reason}, status=exc.status)
    if exc.status == 405:
        msg = f"method {request.method} is not allowed here; every Vexora API call is a POST"
    elif exc.status == 404:
        msg = f"no such endpoint: {request.path}"
    else:
        msg = f"the request was refused: {exc.reason}"
    headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
    return render_error(request, GatewayError(msg, http_status=exc.status, headers=headers))


@web.middleware
async def gateway_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Render GatewayError and stray HTTP errors as the envelope; journal every API call."""
    try:
        response: web.StreamResponse = await handler(request)
    except GatewayError as exc:
        response = render_error(request, exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = _http_error(request, exc)
    except Exception as exc:
        # Our own bug: answer like the gateway's system exception, keep serving, and let a
        # test harness re-raise it in the test that caused it.
        log.exception("unexpected error serving %s %s", request.method, request.path)
        request.app[keys.ERRORS].append(exc)
        error = GatewayError(
            f"system exception in the sandbox: {type(exc).__name__}: {exc}",
            code=SYSTEM_EXCEPTION,
        )
        response = (
            render_error(request, error)
            if not request.path.startswith(ADMIN_PREFIX)
            else json_response({"error": str(error)}, status=500)
        )
    if not request.path.startswith(ADMIN_PREFIX) and request.path != "/favicon.ico":
        _journal(request, response)
    return response


def _journal(request: web.Request, response: web.StreamResponse) -> None:
    info = call_info(request)
    payload = request.get(ENVELOPE_KEY)
    entry: dict[str, Any] = {
        "time": _now_ms(request),
        "method": request.method,
        "path": request.path_qs,
        "endpoint": request.match_info.get("endpoint"),
        "area": request.match_info.get("area"),
        "merchantNo": info.get("merchantNo") or request.headers.get("merchantNo"),
        "body": info.get("body"),
        "httpStatus": response.status,
        "response": payload,
    }
    for key in ("error", "errors", "signBase", "scenario", "fault"):
        if key in info:
            entry[key] = info[key]
    request.app[keys.REQUESTS].add(entry)
