"""The JSON the sandbox writes is the same bytes with orjson (the speed extra) and without.

The wire format: compact separators, keys in insertion order, non-ASCII as UTF-8, control
characters escaped as the standard library escapes them, a Decimal as its exact digits.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import MERCHANT_NO, START, payout_body, signed
from vexora_sandbox import SandboxConfig, create_app
from vexora_sandbox.callbacks.body import signed_payload
from vexora_sandbox.domain.clock import ManualClock
from vexora_sandbox.protocol import jsonout

Client = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[Client]]


def outcome(write: Callable[[Any], bytes], payload: Any) -> bytes | str:
    """The bytes written, or the kind of error raised."""
    try:
        return write(payload)
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        return type(exc).__name__


def fallback(payload: Any) -> bytes:
    saved = jsonout._orjson
    jsonout._orjson = None
    try:
        return jsonout.fast_bytes(payload)
    finally:
        jsonout._orjson = saved


def test_orjson_is_installed_for_the_tests() -> None:
    # The fast path must run here, or the comparisons below compare the fallback with itself.
    assert jsonout.orjson_installed()


def test_the_wire_format_exactly() -> None:
    payload = {
        "msg": "success",
        "code": "0000",
        "timestamp": 1764000000000,
        "success": True,
        "data": {
            "name": "José 中文 😀",
            "quote": 'a"b\\c/d',
            "control": "\n\t\r\b\f\x00\x1f\x7f\u2028",
            "balance": Decimal("9998989.1200"),
            "small": Decimal("-0.000001"),
            "big": Decimal("1E+3"),
            "list": [1, None, False, [], {}],
            "huge": 2**70,
        },
    }
    expected = (
        '{"msg":"success","code":"0000","timestamp":1764000000000,"success":true,"data":'
        '{"name":"José 中文 😀","quote":"a\\"b\\\\c/d",'
        '"control":"\\n\\t\\r\\b\\f\\u0000\\u001f\x7f\u2028",'
        '"balance":9998989.1200,"small":-0.000001,"big":1000,'
        '"list":[1,null,false,[],{}],"huge":1180591620717411303424}}'
    ).encode()
    assert jsonout.fast_bytes(payload) == expected
    assert fallback(payload) == expected
    assert jsonout.wire_bytes(payload) == expected


def test_what_the_standard_library_refuses_is_refused_on_both_paths() -> None:
    lone = {"name": "\ud800"}  # a lone surrogate cannot be written as UTF-8
    assert outcome(jsonout.fast_bytes, lone) == "UnicodeEncodeError"
    assert outcome(fallback, lone) == "UnicodeEncodeError"
    for refused in (Decimal("NaN"), Decimal("Infinity"), object(), {1, 2}):
        assert outcome(jsonout.fast_bytes, {"x": refused}) == "TypeError"
        assert outcome(fallback, {"x": refused}) == "TypeError"
    # A non-string key: the standard library writes it as a string.
    assert jsonout.fast_bytes({1: "a", None: "b"}) == b'{"1":"a","null":"b"}'


_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=12)
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | _TEXT
    | st.decimals(allow_nan=False, allow_infinity=False, places=None)
)
_PAYLOADS = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=5),
    max_leaves=25,
)


@given(_PAYLOADS)
def test_both_paths_write_the_same_bytes(payload: Any) -> None:
    fast = outcome(jsonout.fast_bytes, payload)
    assert fast == outcome(fallback, payload)
    if isinstance(fast, bytes) and not _has_decimal(payload):
        plain = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        assert fast == plain


def _has_decimal(value: Any) -> bool:
    if isinstance(value, Decimal):
        return True
    if isinstance(value, dict):
        return any(_has_decimal(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_decimal(v) for v in value)
    return False


@given(st.dictionaries(_TEXT, _TEXT, max_size=10))
def test_a_callback_body_is_the_same_bytes(fields: dict[str, str]) -> None:
    fast = outcome(lambda f: signed_payload(dict(f), "secret", "valid")[1], fields)
    saved = jsonout._orjson
    jsonout._orjson = None
    try:
        slow = outcome(lambda f: signed_payload(dict(f), "secret", "valid")[1], fields)
    finally:
        jsonout._orjson = saved
    assert fast == slow


async def _create_answer(aiohttp_client: AiohttpClient, *, sign_answers: bool = False) -> bytes:
    config = SandboxConfig(seed=42, sign_answers=sign_answers)
    app = create_app(config, clock=ManualClock(START))
    client = await aiohttp_client(app)
    body = payout_body(remark="José 中文\tnote")
    response = await client.post(
        "/v1/vexora/disbursements", json=signed(body), headers={"merchantNo": MERCHANT_NO}
    )
    assert response.status == 200
    return await response.read()


async def test_a_create_answers_the_same_bytes_without_orjson(
    aiohttp_client: AiohttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = await _create_answer(aiohttp_client)
    monkeypatch.setattr(jsonout, "_orjson", None)
    slow = await _create_answer(aiohttp_client)
    assert fast == slow
    assert json.loads(fast)["code"] == "0000"
    assert '"remark":"José 中文\\tnote"'.encode() in fast  # UTF-8, the tab escaped


async def test_a_signed_answer_is_the_same_bytes_without_orjson(
    aiohttp_client: AiohttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = await _create_answer(aiohttp_client, sign_answers=True)
    monkeypatch.setattr(jsonout, "_orjson", None)
    slow = await _create_answer(aiohttp_client, sign_answers=True)
    assert fast == slow
    assert len(json.loads(fast)["sign"]) == 32
