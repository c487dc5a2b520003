"""The checks every gateway call goes through, in the pipeline's order.

merchantNo header -> area -> body (size, encoding, JSON, flat) -> sign -> the area's field
rules -> timestamp window -> notifyUrl not on the sandbox itself. Each failure is raised as a
GatewayError; ``api.routes`` renders it.
"""

from __future__ import annotations

import weakref

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.api.call import Call
from vexora_sandbox.callbacks.selfcall import ADMIN_PREFIX, OwnAddresses, admin_url_problem
from vexora_sandbox.domain.clock import epoch_ms
from vexora_sandbox.domain.store import Merchant
from vexora_sandbox.errors import GatewayError, NotFound, SignError
from vexora_sandbox.protocol import encoding, signing, wire
from vexora_sandbox.protocol.jsonbody import Body, describe_json_type, field_text, parse_body
from vexora_sandbox.protocol.rules import Area, EndpointRules, Validation

MERCHANT_HEADER = "merchantNo"


def merchant(request: web.Request) -> Merchant:
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
        raise unknown_merchant(request, number) from None


SHOWN_MERCHANTS = 10


def unknown_merchant(request: web.Request, number: str) -> GatewayError:
    """Which merchants this sandbox serves (numbers only) and where they come from."""
    numbers = [m.merchant_no for m in request.app[keys.STORE].merchants()]
    shown = ", ".join(numbers[:SHOWN_MERCHANTS])
    if len(numbers) > SHOWN_MERCHANTS:
        shown += f" and {len(numbers) - SHOWN_MERCHANTS} more"
    config_file = request.app[keys.CONFIG].config_file
    source = (
        f"configured in {config_file}"
        if config_file
        else "the built-in merchant; configure yours with --config FILE"
    )
    return GatewayError(
        f"merchant {number!r} does not exist; this sandbox serves {shown or 'no merchant'} "
        f"({source}, or add one with POST /_sandbox/merchants)"
    )


def area(request: web.Request, call: Call, merchant: Merchant) -> Area:
    areas = request.app[keys.AREAS]
    name = call.url_area or merchant.area
    try:
        return areas[name]
    except KeyError:
        known = ", ".join(sorted(a for a in areas if not a.startswith("_")))
        raise GatewayError(
            f"unknown area {name!r} in the URL; known areas: {known}", http_status=404
        ) from None


# Endpoints whose page sends multipart/form-data (Japan's KYC application).
MULTIPART_ENDPOINTS = frozenset({"kycApplyFor"})


async def body(request: web.Request, call: Call) -> Body:
    """The parsed body; ``call.raw`` keeps its bytes for the journal."""
    limit = request.app[keys.CONFIG].max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(request.content_length, limit)
    if request.content_type == "multipart/form-data" and call.endpoint in MULTIPART_ENDPOINTS:
        return await _form(request, call, limit)
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise _too_large(None, limit) from None
    except web.RequestPayloadError as exc:
        # e.g. "Content-Encoding: gzip" on a body that is not gzip
        raise GatewayError(f"request body cannot be decoded: {exc}") from None
    if len(raw) > limit:  # a chunked body carries no Content-Length to refuse it by
        raise _too_large(len(raw), limit)
    call.raw = raw
    coding = ", ".join(request.headers.getall("Content-Encoding", []))
    return parse_body(encoding.decode_body(raw, coding, limit) if coding else raw)


async def journal_raw(request: web.Request, call: Call) -> None:
    """For a call refused before its body was read: read it (within the size limit) so the
    journal shows what was sent. Never raises: the answer is already decided."""
    if call.raw is not None or not request.body_exists:
        return
    length = request.content_length
    if length is None or length > request.app[keys.CONFIG].max_body_bytes:
        return
    try:
        call.raw = await request.read()
    except Exception:  # a broken or vanished body: the journal simply has none
        return


async def _form(request: web.Request, call: Call, limit: int) -> Body:
    """A multipart body: its text fields are the body (and what is signed: "File content is
    not included in the signature string", https://docs.vexora.com/guide/areas/Japan/kyc/);
    its files are journaled by name and size."""
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise _too_large(None, limit) from None
    except (ValueError, web.RequestPayloadError, AssertionError) as exc:
        raise GatewayError(f"request body is not valid multipart/form-data: {exc}") from None
    fields: Body = {}
    for name, value in form.items():
        if isinstance(value, web.FileField):
            size = len(value.file.read())
            call.files[name] = f"{value.filename} ({size} bytes)"
            continue
        if name in fields:
            raise GatewayError(f"request body has the field {name!r} more than once")
        fields[name] = value if isinstance(value, str) else bytes(value).decode("utf-8", "replace")
    return fields


def _too_large(size: int | None, limit: int) -> GatewayError:
    got = f" ({size} bytes)" if size is not None else ""
    return GatewayError(
        f"request body is too large{got}; the limit is {limit} bytes", http_status=413
    )


def sign(call: Call, body: Body, merchant: Merchant, validation: Validation) -> None:
    """Raise SignError unless ``body`` carries the right sign for ``merchant``.

    A null value may be signed skipped or as ``key=null`` (the docs' Java); the journal
    records which one matched (``call.sign_match``). The docs say the sign is lower-case:
    strict validation refuses an upper-case one, saying so; lenient accepts it.
    """
    base = signing.canonical_string(body)
    expected = signing.sign_canonical(base, merchant.secret)
    given = body.get(signing.SIGN_FIELD)
    candidates = [(signing.NULLS_SKIPPED, base, expected)]
    if signing.has_null(body):
        java = signing.canonical_string(body, nulls_as_text=True)
        candidates.append(
            (signing.NULLS_AS_TEXT, java, signing.sign_canonical(java, merchant.secret))
        )
    if isinstance(given, str) and given:
        for variant, _, wanted in candidates:
            if given == wanted:
                call.sign_match = variant
                return
            if signing.matches(given, wanted):  # the same hex in another case
                if validation == "strict":
                    raise SignError(
                        'sign error: sign must be lower-case hex (the docs: "The sign should '
                        'be in lowercase letters"); the right sign in lower case would be '
                        "accepted",
                        base=base + "{secret}",
                        expected=expected,
                    )
                call.sign_match = f"{variant}, upper-case accepted (lenient)"
                return
    # The journal keeps the exact base; the header gets an ASCII copy (api.answer).
    shown = base + "{secret}"
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


def rules(request: web.Request, call: Call, area: Area, endpoint: str, body: Body) -> EndpointRules:
    """The area's rules for the endpoint, checked: every error is kept, the first answered."""
    found = area.rules_for(endpoint)
    if found is None:
        raise GatewayError(f"the {area.name} area does not offer {endpoint}", http_status=404)
    validation = request.app[keys.CONFIG].validation
    errors = found.errors(body, validation)
    if errors:
        call.errors = errors
        hint = ""
        # Only a body whose field set is not this area's (a required field missing, or
        # fields this area does not know) looks like another area's; a wrong value in the
        # right fields is just a wrong value.
        known = {f.name for f in found.fields}
        if any(f.required and f.name not in body for f in found.fields) or any(
            name not in known and name != signing.SIGN_FIELD for name in body
        ):
            hint = _elsewhere(request, area, endpoint, body, validation)
        raise GatewayError(errors[0] + hint)
    return found


# What the wrong-place hint calls each endpoint's body.
_KINDS = {"disbursements": "payout", "checkout": "checkout", "deposits": "deposit"}


def _elsewhere(
    request: web.Request, area: Area, endpoint: str, body: Body, validation: Validation
) -> str:
    """A hint when the body fails its area's rules but passes another area's: the merchant
    is most likely calling the wrong URL or has the wrong area configured. Only on the error
    path, and only for the endpoints whose fields differ by area."""
    kind = _KINDS.get(endpoint)
    if kind is None:
        return ""
    fits: list[str] = []
    seen: set[int] = {id(area)}
    for name, other in sorted(request.app[keys.AREAS].items()):
        if name.startswith("_") or id(other) in seen:
            continue
        seen.add(id(other))  # an alias answers once
        rules = other.rules_for(endpoint)
        if rules is None:
            continue
        # The other area must know every field sent, not merely accept the body (an area
        # with few fields accepts almost anything).
        names = {f.name for f in rules.fields} | {signing.SIGN_FIELD}
        if names.issuperset(body) and not rules.errors(body, validation):
            fits.append(name)
    if not fits:
        return ""
    first = fits[0]
    also = f" (it would also pass as {', '.join(fits[1:4])})" if len(fits) > 1 else ""
    return (
        f"; this looks like a {first} {kind}: use /{first}/v1/vexora/{endpoint}, "
        f"or set the merchant's area{also}"
    )


def freshness(request: web.Request, body: Body) -> None:
    """With ``timestamp_window`` set, a timestamp too far from the sandbox clock is refused."""
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


# The local addresses already given to each dispatcher's OwnAddresses, which only ever
# adds: recording one parses an IP address (~5-20 us), and calls come in on a few.
_recorded: weakref.WeakKeyDictionary[OwnAddresses, set[tuple[str, int]]] = (
    weakref.WeakKeyDictionary()
)
# What urlsplit drops from anywhere in a URL: with one of them, the path is not its text.
_URL_DROPPED = ("\t", "\r", "\n")


def may_be_admin_url(url: str) -> bool:
    """False when ``url``'s path cannot be on /_sandbox/ (``admin_url_problem`` says None):
    most calls skip parsing the URL."""
    return ADMIN_PREFIX in url or any(c in url for c in _URL_DROPPED)


def notify_url(request: web.Request, body: Body) -> None:
    """A notifyUrl on the sandbox's own /_sandbox/ routes is refused (callbacks.selfcall)."""
    url = field_text(body.get(wire.NOTIFY_URL))
    if not url:
        return
    own = request.app[keys.DISPATCHER].own
    local = request.transport.get_extra_info("sockname") if request.transport else None
    if local:  # where this sandbox answers, also when a test server started it
        address = (str(local[0]), int(local[1]))
        recorded = _recorded.setdefault(own, set())
        if address not in recorded:
            own.add(*address)
            recorded.add(address)
    if not may_be_admin_url(url):
        return
    problem = admin_url_problem(url, own, request.host)
    if problem is not None:
        raise GatewayError(problem)
