"""Everything every gateway call goes through before its handler's own work.

merchantNo header -> body (size, JSON, flat) -> sign -> area field rules. Each failure is
raised as a GatewayError; ``api.middleware`` renders it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.domain.clock import epoch_ms
from vexora_sandbox.domain.store import Merchant
from vexora_sandbox.errors import GatewayError, NotFound, SignError
from vexora_sandbox.protocol import signing
from vexora_sandbox.protocol.jsonbody import Body, describe_json_type, parse_body
from vexora_sandbox.protocol.rules import Area, EndpointRules

MERCHANT_HEADER = "merchantNo"
CALL_KEY = web.RequestKey("vexora_sandbox.call", dict[str, Any])


@dataclass(slots=True)
class GatewayCall:
    """A gateway call that passed every common check."""

    endpoint: str
    merchant: Merchant
    area: Area
    rules: EndpointRules
    body: Body

    def text(self, name: str) -> str:
        """A field's value as text ('' when absent or null)."""
        value = self.body.get(name)
        if value is None or isinstance(value, bool):
            return ""
        return str(value)


def _merchant(request: web.Request) -> Merchant:
    values = request.headers.getall(MERCHANT_HEADER, [])
    if not values:
        raise GatewayError(f"the {MERCHANT_HEADER} header is missing")
    if len(values) > 1:
        raise GatewayError(
            f"the {MERCHANT_HEADER} header is sent {len(values)} times; send it once"
        )
    number = values[0].strip()
    if not number:
        raise GatewayError(f"the {MERCHANT_HEADER} header is empty")
    try:
        return request.app[keys.STORE].merchant(number)
    except NotFound:
        raise GatewayError(f"merchant {number!r} does not exist") from None


def _area(request: web.Request, merchant: Merchant) -> Area:
    areas = request.app[keys.AREAS]
    name = request.match_info.get("area") or merchant.area
    try:
        return areas[name]
    except KeyError:
        known = ", ".join(sorted(a for a in areas if not a.startswith("_")))
        raise GatewayError(
            f"unknown area {name!r} in the URL; known areas: {known}", http_status=404
        ) from None


async def _body(request: web.Request) -> Body:
    limit = request.app[keys.CONFIG].max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(request.content_length, limit)
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise _too_large(None, limit) from None
    except web.RequestPayloadError as exc:
        # e.g. "Content-Encoding: gzip" on a body that is not gzip
        raise GatewayError(f"request body cannot be decoded: {exc}") from None
    if len(raw) > limit:  # a chunked body carries no Content-Length to refuse it by
        raise _too_large(len(raw), limit)
    return parse_body(raw)


def _too_large(size: int | None, limit: int) -> GatewayError:
    got = f" ({size} bytes)" if size is not None else ""
    return GatewayError(
        f"request body is too large{got}; the limit is {limit} bytes", http_status=413
    )


def _printable(text: str) -> str:
    """A header-safe copy: control characters written as \\xNN so the value stays one line."""
    return "".join(c if c >= " " and c != "\x7f" else f"\\x{ord(c):02x}" for c in text)


def check_sign(body: Body, merchant: Merchant) -> None:
    """Raise SignError unless ``body`` carries the right sign for ``merchant``."""
    base = signing.canonical_string(body)
    expected = signing.sign_canonical(base, merchant.secret)
    given = body.get(signing.SIGN_FIELD)
    if signing.matches(given, expected):
        return
    # The error path only: the escaped copy for the header costs a pass over every char.
    shown = _printable(base) + "{secret}"
    if given is None or given == "":
        raise SignError("sign error: the sign field is missing", base=shown, expected=expected)
    if not isinstance(given, str):
        raise SignError(
            f"sign error: sign must be a string; got {describe_json_type(given)}",
            base=shown,
            expected=expected,
        )
    raise SignError(
        "sign error: sign does not match the body signed with this merchant's secret "
        "(the X-Sandbox-Sign-Base response header shows the string that was hashed)",
        base=shown,
        expected=expected,
    )


def _check_freshness(request: web.Request, body: Body) -> None:
    window = request.app[keys.CONFIG].timestamp_window
    value = body.get("timestamp")
    if window is None or not isinstance(value, str) or not value.isdigit():
        return
    now = epoch_ms(request.app[keys.CLOCK].now())
    drift = abs(now - int(value)) / 1000
    if drift > window:
        raise GatewayError(
            f"timestamp {value} is {drift:.0f} seconds away from the sandbox clock ({now}); "
            f"the allowed window is {window:g} seconds"
        )


async def read_call(request: web.Request, endpoint: str) -> GatewayCall:
    """Run every common check of a gateway call and return what passed them."""
    merchant = _merchant(request)
    call_info(request)["merchantNo"] = merchant.merchant_no
    area = _area(request, merchant)
    body = await _body(request)
    request[CALL_KEY]["body"] = body
    check_sign(body, merchant)
    rules = area.rules_for(endpoint)
    if rules is None:
        raise GatewayError(f"the {area.name} area does not offer {endpoint}", http_status=404)
    validation = request.app[keys.CONFIG].validation
    errors = rules.errors(body, validation)
    if errors:
        request[CALL_KEY]["errors"] = errors
        raise GatewayError(errors[0])
    _check_freshness(request, body)
    return GatewayCall(endpoint, merchant, area, rules, body)


def call_info(request: web.Request) -> dict[str, Any]:
    """What the journal records about a call (filled as the checks go)."""
    info: dict[str, Any] = request.setdefault(CALL_KEY, {})
    return info
