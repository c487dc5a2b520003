"""Property-based fuzzing of the gateway routes through the aiohttp test client.

Whatever arrives (arbitrary bytes, JSON of any shape, any type in any field, huge or
deeply nested bodies, any Unicode, missing or repeated headers, wrong methods and paths),
the answer is the documented envelope ``{msg, code, timestamp, success, data}`` (or a
fault a scenario asked for), never a 500 from our code, and nothing reaches
``app[keys.ERRORS]`` or the log at ERROR.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import MERCHANT_NO, SECRET, payout_body
from tests.payins.conftest import AREAS, payin_body
from tests.support.fuzz import ANY_CHAR, FUZZ, JSON, TEXT
from vexora_sandbox import keys, sign
from vexora_sandbox.protocol.names import Endpoint

Client = TestClient[web.Request, web.Application]
ENVELOPE = {"msg", "code", "timestamp", "success", "data"}
LIMIT = 1024 * 1024  # the default max_body_bytes
PATH = "/v1/vexora/"

ENDPOINT = st.sampled_from(sorted(Endpoint))


@pytest.fixture
def trade_nos() -> Iterator[str]:
    return (f"FZ{n:012d}" for n in itertools.count(1))


def encode(value: Any, ascii_only: bool) -> bytes:
    """JSON text; non-ASCII output keeps lone surrogates as (invalid) UTF-8 bytes."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


async def post(
    client: Client,
    body: bytes,
    *,
    endpoint: str = "disbursements",
    headers: Any = None,
) -> tuple[int, str, bytes]:
    if headers is None:
        headers = {"merchantNo": MERCHANT_NO, "Content-Type": "application/json"}
    # aiohttp warns about raw bytes over ~1 MiB (an error under -W error): stream those.
    data: Any = io.BytesIO(body) if len(body) > LIMIT // 2 else body
    response = await client.post(PATH + endpoint, data=data, headers=headers)
    return response.status, response.content_type, await response.read()


def check_envelope(
    app: web.Application,
    caplog: pytest.LogCaptureFixture,
    status: int,
    content_type: str,
    raw: bytes,
    *,
    statuses: tuple[int, ...] = (200, 404, 405, 413),
) -> dict[str, Any]:
    """The answer is the envelope; nothing went wrong inside the sandbox."""
    assert app[keys.ERRORS] == [], app[keys.ERRORS]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    journal = app[keys.REQUESTS]
    last = list(journal)[-1] if len(journal) else {}
    if last.get("fault"):  # a scenario asked for this answer
        return {}
    assert status in statuses, (status, raw[:300])
    assert content_type == "application/json", (content_type, raw[:300])
    answer = json.loads(raw)
    assert isinstance(answer, dict) and set(answer) == ENVELOPE, answer
    assert isinstance(answer["msg"], str) and answer["msg"]
    assert isinstance(answer["timestamp"], int)
    assert answer["success"] is (answer["code"] == "0000")
    if answer["code"] == "5000":  # only a scenario may answer it
        assert last.get("scenario") not in (None, "default"), answer
    else:
        assert answer["code"] in ("0000", "8000"), answer
    if not answer["success"]:
        assert answer["data"] is None
    return answer


@FUZZ
@given(raw=st.binary(max_size=2048), endpoint=ENDPOINT)
async def test_arbitrary_bytes(
    app: web.Application,
    client: Client,
    caplog: pytest.LogCaptureFixture,
    raw: bytes,
    endpoint: str,
) -> None:
    answer = check_envelope(app, caplog, *await post(client, raw, endpoint=endpoint))
    assert answer.get("code") != "0000"  # random bytes never carry a valid sign


@FUZZ
@given(value=JSON, ascii_only=st.booleans(), endpoint=ENDPOINT)
async def test_json_of_any_shape(
    app: web.Application,
    client: Client,
    caplog: pytest.LogCaptureFixture,
    value: Any,
    ascii_only: bool,
    endpoint: str,
) -> None:
    raw = encode(value, ascii_only)
    check_envelope(app, caplog, *await post(client, raw, endpoint=endpoint))


def _signable(body: dict[str, Any]) -> bool:
    return all(not isinstance(v, dict | list) for v in body.values())


@FUZZ
@given(
    replaced=st.dictionaries(
        st.sampled_from([*sorted(payout_body()), "sign", "extra", ""]), JSON, max_size=4
    ),
    dropped=st.sets(st.sampled_from(sorted(payout_body()))),
    ascii_only=st.booleans(),
    signed=st.booleans(),
)
async def test_any_type_in_any_field_of_a_signed_payout(
    app: web.Application,
    client: Client,
    caplog: pytest.LogCaptureFixture,
    trade_nos: Iterator[str],
    replaced: dict[str, Any],
    dropped: set[str],
    ascii_only: bool,
    signed: bool,
) -> None:
    body: dict[str, Any] = payout_body(tradeNo=next(trade_nos))
    for name in dropped:
        body.pop(name, None)
    body.update(replaced)
    if signed and "sign" not in replaced and _signable(body):
        try:
            body["sign"] = sign(body, SECRET)
        except UnicodeEncodeError:  # a lone surrogate cannot be signed as UTF-8
            body["sign"] = "0" * 32
    answer = check_envelope(app, caplog, *await post(client, encode(body, ascii_only)))
    if answer.get("code") == "0000":
        assert set(answer["data"]) >= {"tradeNo", "platFormTradeNo", "status"}


AREA_NAMES = sorted(a for a in AREAS if not a.startswith("_"))


@FUZZ
@given(
    area=st.sampled_from(AREA_NAMES),
    endpoint=ENDPOINT,
    replaced=st.dictionaries(st.sampled_from(["tradeNo", "amount", "timestamp", "x"]), JSON),
    signed=st.booleans(),
)
async def test_any_endpoint_of_any_area_with_fields_of_any_type(
    app: web.Application,
    client: Client,
    caplog: pytest.LogCaptureFixture,
    trade_nos: Iterator[str],
    area: str,
    endpoint: str,
    replaced: dict[str, Any],
    signed: bool,
) -> None:
    offered = AREAS[area].rules_for(endpoint) is not None
    body: dict[str, Any] = (
        payin_body(area, endpoint, tradeNo=next(trade_nos)) if offered else {"x": "1"}
    )
    body.update(replaced)
    if signed and _signable(body):
        try:
            body["sign"] = sign(body, SECRET)
        except UnicodeEncodeError:
            body["sign"] = "0" * 32
    response = await client.post(
        f"/{area}{PATH}{endpoint}",
        data=json.dumps(body).encode(),
        headers={"merchantNo": MERCHANT_NO, "Content-Type": "application/json"},
    )
    raw = await response.read()
    answer = check_envelope(app, caplog, response.status, response.content_type, raw)
    if not offered and answer:
        assert answer["code"] == "8000"


@FUZZ
@given(
    fields=st.dictionaries(
        st.sampled_from(["firstname", "lastname", "remark", "email", "tradeNo", "accountNo"]),
        TEXT,
        min_size=1,
    ),
    extra=st.dictionaries(st.text(ANY_CHAR, min_size=1, max_size=12), TEXT, max_size=3),
    ascii_only=st.booleans(),
)
async def test_unicode_in_names_and_values(
    app: web.Application,
    client: Client,
    caplog: pytest.LogCaptureFixture,
    trade_nos: Iterator[str],
    fields: dict[str, str],
    extra: dict[str, str],
    ascii_only: bool,
) -> None:
    body: dict[str, Any] = {**payout_body(tradeNo=next(trade_nos)), **fields, **extra}
    body.pop("sign", None)
    try:
        body["sign"] = sign(body, SECRET)
    except UnicodeEncodeError:
        body["sign"] = "0" * 32
    check_envelope(app, caplog, *await post(client, encode(body, ascii_only)))


@FUZZ
@given(
    depth=st.integers(min_value=1, max_value=200_000),
    opener=st.sampled_from(["[", '{"a":', '{"tradeNo":[']),
    closed=st.booleans(),
)
async def test_deeply_nested_bodies(
    app: web.Application,
    client: Client,
    caplog: pytest.LogCaptureFixture,
    depth: int,
    opener: str,
    closed: bool,
) -> None:
    closer = "]" if opener == "[" else ("}" if opener == '{"a":' else "]}")
    text = opener * depth + "1" + (closer * depth if closed else "")
    raw = text.encode()
    statuses = (413,) if len(raw) > LIMIT else (200,)
    answer = check_envelope(app, caplog, *await post(client, raw), statuses=statuses)
    assert answer["code"] == "8000"


@FUZZ
@given(
    size=st.sampled_from([LIMIT - 200, LIMIT, LIMIT + 1, 3 * LIMIT]),
    field=st.sampled_from(["remark", "firstname", "pad", "sign"]),
)
async def test_huge_bodies(
    app: web.Application,
    client: Client,
    caplog: pytest.LogCaptureFixture,
    trade_nos: Iterator[str],
    size: int,
    field: str,
) -> None:
    body = payout_body(tradeNo=next(trade_nos))
    base = len(json.dumps({**body, field: ""}, separators=(",", ":")).encode())
    body[field] = "x" * max(0, size - base)
    raw = json.dumps(body, separators=(",", ":")).encode()
    statuses = (413,) if len(raw) > LIMIT else (200,)
    answer = check_envelope(app, caplog, *await post(client, raw), statuses=statuses)
    assert answer["code"] == "8000"


# What an HTTP client lets through in a header value: no control characters.
HEADER_TEXT = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF).filter(lambda c: c not in "\x7f\x85"),
    max_size=40,
)


@FUZZ
@given(
    merchant_nos=st.lists(
        st.one_of(st.just(MERCHANT_NO), st.just(""), st.just(" "), HEADER_TEXT), max_size=3
    ),
    name=st.sampled_from(["merchantNo", "merchantno", "MERCHANTNO", "merchant-no"]),
    content_type=st.one_of(
        st.just("application/json"), st.just("text/plain"), HEADER_TEXT, st.none()
    ),
)
async def test_missing_and_repeated_headers(
    app: web.Application,
    client: Client,
    caplog: pytest.LogCaptureFixture,
    trade_nos: Iterator[str],
    merchant_nos: list[str],
    name: str,
    content_type: str | None,
) -> None:
    body = payout_body(tradeNo=next(trade_nos))
    raw = json.dumps({**body, "sign": sign(body, SECRET)}).encode()
    headers = [(name, value) for value in merchant_nos]
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    answer = check_envelope(app, caplog, *await post(client, raw, headers=headers))
    sent = merchant_nos if name.lower() == "merchantno" else []
    if [v.strip() for v in sent] != [MERCHANT_NO]:
        assert answer["code"] == "8000", answer
    if not sent:
        assert answer["msg"] == "the merchantNo header is missing", answer
    if len(sent) > 1:
        assert "more than once" in answer["msg"] or "times" in answer["msg"], answer


SEGMENT = st.text(ANY_CHAR.filter(lambda c: not 0xD800 <= ord(c) <= 0xDFFF), max_size=12)


@FUZZ
@given(
    method=st.sampled_from(["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "POST"]),
    segments=st.lists(SEGMENT, max_size=5),
    gateway_path=st.booleans(),
    endpoint=st.one_of(ENDPOINT, SEGMENT),
    area=st.one_of(st.none(), st.sampled_from(AREA_NAMES), SEGMENT.filter(bool)),
)
async def test_wrong_methods_and_paths(
    app: web.Application,
    client: Client,
    caplog: pytest.LogCaptureFixture,
    method: str,
    segments: list[str],
    gateway_path: bool,
    endpoint: str,
    area: str | None,
) -> None:
    if gateway_path:
        prefix = "" if area is None else "/" + urllib.parse.quote(area, safe="")
        path = prefix + PATH + urllib.parse.quote(endpoint, safe="")
    else:
        path = "/" + "/".join(urllib.parse.quote(s, safe="") for s in segments)
        if path.startswith("//"):  # a network-path reference, not a path: keep it a path
            path = "/x" + path
    headers = {"merchantNo": MERCHANT_NO}
    response = await client.request(method, path, data=b"{}", headers=headers)
    raw = await response.read()
    assert app[keys.ERRORS] == [], app[keys.ERRORS]
    assert response.status < 500, (method, path, response.status, raw[:200])
    if response.url.path.startswith("/_sandbox/") or method == "HEAD":
        return  # the admin API has its own JSON shape; HEAD has no body
    check_envelope(app, caplog, response.status, response.content_type, raw)
