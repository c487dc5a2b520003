"""What a gateway call gets back: the envelope, a scenario's delay and fault, or an error."""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Any

from aiohttp import web

from vexora_sandbox.api.call import Call
from vexora_sandbox.errors import GatewayError, SignError
from vexora_sandbox.protocol import expected_sign as expected_sign_header
from vexora_sandbox.protocol.answer_sign import signed_answer
from vexora_sandbox.protocol.envelope import envelope
from vexora_sandbox.protocol.names import Code
from vexora_sandbox.protocol.signing import header_safe
from vexora_sandbox.responses import json_response
from vexora_sandbox.scenarios.model import ResponseSpec

# How long the "timeout" fault holds a request before dropping the connection unanswered.
HANG_SECONDS = 120.0
SIGN_BASE_HEADER = "X-Sandbox-Sign-Base"
# Characters, not bytes: up to 4 UTF-8 bytes each still fits aiohttp's 8190-byte line.
SIGN_BASE_HEADER_CHARS = 2000
# The "http_500" fault: what a proxy in front of a failing gateway sends.
ERROR_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\n"
    "<body><center><h1>500 Internal Server Error</h1></center><hr>"
    "<center>nginx</center></body></html>\n"
)


def envelope_response(
    call: Call, payload: dict[str, Any], *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Send an envelope and keep it for the journal.

    An envelope holds no float (amounts are strings or Decimals: ``protocol.wire``; the
    optional sign is a string), so it is written on the fast path (``protocol.jsonout``).
    """
    if call.answer_secret is not None:
        payload = signed_answer(payload, call.answer_secret)
    call.answer = payload
    return json_response(payload, status=status, headers=headers, no_floats=True)


def error_response(
    call: Call, exc: GatewayError, now_ms: int, *, expected_sign: bool = True
) -> web.Response:
    """The error's envelope; ``expected_sign`` False leaves out the sign the call needed."""
    call.error = exc.msg
    headers = exc.headers
    if isinstance(exc, SignError):
        call.sign_base = exc.base
        # The journal keeps the exact base; the header an ASCII copy of it.
        headers = {**headers, SIGN_BASE_HEADER: _header_value(header_safe(exc.base))}
        if not expected_sign:
            headers.pop(expected_sign_header.HEADER, None)
    payload = envelope(exc.code, exc.msg, now_ms)
    return envelope_response(call, payload, status=exc.http_status, headers=headers)


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


async def scenario_response(
    request: web.Request, call: Call, response: ResponseSpec, data: Any, now_ms: int
) -> web.StreamResponse:
    """The envelope the scenario's ``code`` calls for, or its fault, after its delay.

    The delay is real time (it exercises real HTTP clients' timeouts) and comes after the
    operation's work, so an order already exists when a slow answer's client gives up.
    """
    if response.delay > 0:
        await asyncio.sleep(response.delay)
    code = Code(response.code)
    if code is Code.OK:
        payload = envelope(code, code.default_msg, now_ms, data)
    else:
        payload = envelope(code, response.msg or code.default_msg, now_ms)
    fault = response.fault
    if fault is None:
        return envelope_response(call, payload)
    call.fault = fault
    if fault == "http_500":
        return web.Response(status=500, text=ERROR_PAGE, content_type="text/html")
    if fault == "malformed_json":
        body = b'{"msg":"success","code":"0000","data":{'
        return web.Response(status=200, body=body, content_type="application/json")
    if fault == "empty_body":
        return web.Response(status=200, body=b"", content_type="application/json")
    if fault == "timeout":
        # Never answer; drop the connection when the client has long given up.
        await asyncio.sleep(HANG_SECONDS)
    _drop(request, reset=fault == "connection_reset")
    return web.Response(status=499)  # never written: the connection is gone


def _drop(request: web.Request, *, reset: bool) -> None:
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if reset and sock is not None:
        # Linger 0: closing sends a TCP RST instead of a polite FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
