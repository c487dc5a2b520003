"""Property-based fuzzing of the admin API (``/_sandbox/``) through the aiohttp test client.

Whatever arrives (any method, any path segment in any route, any query, arbitrary bytes,
JSON of any shape, NaN and Infinity, huge numbers, deep nesting), every admin route answers
JSON: ``{"error": "..."}`` with a 4xx for what it refuses, never a 500, and nothing
reaches ``app[keys.ERRORS]`` or the log at ERROR.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.parse
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import payout_body, signed
from tests.support.fuzz import ANY_CHAR, FUZZ, JSON, TEXT
from vexora_sandbox import keys

Client = TestClient[web.Request, web.Application]

# Route templates; "{}" is filled with a drawn segment.
ROUTES = [
    "health",
    "transactions",
    "transactions/{}",
    "transactions/{}/status",
    "transactions/{}/payments",
    "requests",
    "callbacks",
    "callbacks/{}",
    "callbacks/{}/replay",
    "clock",
    "clock/advance",
    "scenarios",
    "scenarios/reload",
    "scenarios/{}",
    "reset",
    "settle",
    "merchants",
    "merchants/{}",
    "requests/count",
    "openapi.json",
    "{}",
    "{}/{}",
]
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
# "." and ".." are left out: the client normalises them away from /_sandbox/ (to the
# gateway's URL space, which answers the envelope: the gateway fuzz covers it).
SEGMENT = st.one_of(
    st.sampled_from(["1", "0", "T1", "²", "٣", "-1", "9" * 40, "%00", " ", "null"]),
    st.text(ANY_CHAR, min_size=1, max_size=12),
).filter(lambda s: s not in (".", ".."))
QUERY_NAMES = ["merchantNo", "tradeNo", "status", "endpoint", "acknowledged", "wait", "x"]
# A long-poll must stay short here: wait is drawn from small or non-numeric values.
WAIT = st.sampled_from(["0", "0.01", "nan", "inf", "-inf", "-1", "1e309", "soon", "", "0x1"])
RAW_JSON = st.sampled_from(
    [
        b'{"seconds": NaN}',
        b'{"seconds": Infinity}',
        b'{"seconds": -1e999}',
        b'{"seconds": 1e300}',
        b'{"seconds": 12345678901234567890}',
        b'{"merchantNo": {"a": 1}}',
        b'{"status": ["0000"]}',
        b'{"status": "0000", "amount": 5}',
        b'{"a":' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        b"[" * 50_000,
        b'"just a string"',
        b"\xff\xfe\x00",
    ]
)
BODY = st.one_of(
    st.none(),
    st.binary(max_size=256),
    RAW_JSON,
    JSON.map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    st.dictionaries(
        st.sampled_from(["merchantNo", "status", "message", "amount", "seconds"]),
        JSON,
        max_size=4,
    ).map(lambda d: json.dumps(d).encode("utf-8", "surrogatepass")),
)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, str], bytes | None]:
    template = draw(st.sampled_from(ROUTES))
    segments = [draw(SEGMENT) for _ in range(template.count("{}"))]
    path = template.format(
        *(urllib.parse.quote(s, safe="", errors="surrogatepass") for s in segments)
    )
    names = draw(st.lists(st.sampled_from(QUERY_NAMES), max_size=3, unique=True))
    query = {n: draw(WAIT) if n == "wait" else draw(TEXT) for n in names}
    return draw(METHODS), path, query, draw(BODY)


def check_admin_answer(
    app: web.Application,
    caplog: pytest.LogCaptureFixture,
    method: str,
    status: int,
    content_type: str,
    raw: bytes,
) -> None:
    assert app[keys.ERRORS] == [], app[keys.ERRORS]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    assert status < 500, (status, raw[:300])
    assert content_type == "application/json", (status, content_type, raw[:300])
    answer = json.loads(raw)
    assert isinstance(answer, dict), answer
    if status >= 400:
        assert isinstance(answer.get("error"), str) and answer["error"], answer


DEEP = b'{"a":' + b"[" * 50_000 + b"]" * 50_000 + b"}"


@FUZZ
@given(call=requests())
# The inputs an outside attack found answered 500, tried on every run.
@example(call=("GET", "callbacks/%C2%B2", {}, None))
@example(call=("POST", "callbacks/%C2%B2/replay", {}, None))
@example(call=("POST", "reset", {}, DEEP))
@example(call=("POST", "transactions/T1/status", {}, DEEP))
@example(call=("POST", "settle", {}, DEEP))
@example(call=("POST", "clock/advance", {}, b'{"seconds": NaN}'))
@example(call=("POST", "clock/advance", {}, b'{"seconds": 1e300}'))
async def test_any_admin_request_gets_a_json_answer(
    app: web.Application,
    client: Client,
    caplog: pytest.LogCaptureFixture,
    call: tuple[str, str, dict[str, str], bytes | None],
) -> None:
    method, path, query, body = call
    # Some state to act on: an order T1 with a callback.
    if not list(app[keys.STORE].orders()):
        await client.post(
            "/v1/vexora/disbursements",
            json=signed(payout_body(tradeNo="T1")),
            headers={"merchantNo": "0000000001"},
        )
    url = "/_sandbox/" + path
    if query:
        url += "?" + urllib.parse.urlencode(query, encoding="utf-8", errors="surrogatepass")
    response = await client.request(method, url, data=body, skip_auto_headers=["Content-Type"])
    raw = await response.read()
    check_admin_answer(app, caplog, method, response.status, response.content_type, raw)


# Not the JSON API: the dashboard's HTML pages (and its live stream) and the Prometheus
# scrape, tested on their own.
NOT_JSON = ("ui", "metrics")


def test_the_admin_fuzz_covers_every_admin_route(app: web.Application) -> None:
    """A new admin JSON route must be added to ROUTES above."""
    admin_paths: set[str] = set()
    for resource in app.router.resources():
        info: dict[str, Any] = dict(resource.get_info())
        app_info = info.get("app")
        if app_info is None:
            continue
        for sub in app_info.router.resources():
            sub_info = sub.get_info()
            found = sub_info.get("path") or sub_info.get("formatter", "")
            admin_paths.add(found.removeprefix("/_sandbox/").replace("{id}", "{}"))
    templates = {r.replace("{}", "{x}") for r in ROUTES}
    normalised = {
        re.sub(r"\{(tradeNo|merchantNo|name)\}", "{x}", p).replace("{}", "{x}")
        for p in admin_paths
        if p and p.split("/")[0] not in NOT_JSON
    }
    assert normalised <= templates, normalised - templates
