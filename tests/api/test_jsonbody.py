"""parse_body: a flat JSON object, numbers kept as their literal text, every error explained."""

from __future__ import annotations

import pytest

from vexora_sandbox.errors import GatewayError
from vexora_sandbox.protocol.jsonbody import JsonNumber, parse_body


def test_a_flat_object_parses_with_its_types() -> None:
    body = parse_body(b'{"a":"x","b":100.50,"c":true,"d":null,"e":""}')
    assert body == {"a": "x", "b": "100.50", "c": True, "d": None, "e": ""}
    assert isinstance(body["b"], JsonNumber)
    assert not isinstance(body["a"], JsonNumber)


@pytest.mark.parametrize("literal", ["100.50", "100", "1764000000000", "1e3", "-0.0", "2.50E+2"])
def test_numbers_keep_their_exact_text(literal: str) -> None:
    value = parse_body(f'{{"n":{literal}}}'.encode())["n"]
    assert value == literal
    assert isinstance(value, JsonNumber)


def test_utf8_text_is_decoded() -> None:
    assert parse_body('{"lastname":"García"}'.encode()) == {"lastname": "García"}


def _error(raw: bytes) -> str:
    with pytest.raises(GatewayError) as info:
        parse_body(raw)
    assert info.value.code == "8000"
    return info.value.msg


@pytest.mark.parametrize(
    ("raw", "msg"),
    [
        (b"", "request body is empty; expected a JSON object"),
        (b"  \n", "request body is empty; expected a JSON object"),
        (b"not json", "request body is not valid JSON: Expecting value at line 1 column 1"),
        (
            b'{"a":"x",}',
            "request body is not valid JSON: Expecting property name enclosed in double quotes"
            " at line 1 column 10",
        ),
        (b'{"a":NaN}', "request body is not valid JSON: NaN is not valid JSON"),
        (b'["a"]', "request body must be a JSON object; got an array"),
        (b'"a"', "request body must be a JSON object; got a string"),
        (b"12", "request body must be a JSON object; got a number"),
        (b"null", "request body must be a JSON object; got null"),
        (
            b'{"a":"x","a":"y"}',
            "request body has the field 'a' more than once",
        ),
        (
            b'{"amount":"100","extra":{"k":"v"}}',
            "extra must be a string or a number; got an object (the API takes a flat JSON object)",
        ),
        (
            b'{"amount":"100","extra":["v"]}',
            "extra must be a string or a number; got an array (the API takes a flat JSON object)",
        ),
        (
            b'{"a":"\xff"}',
            "request body is not valid UTF-8 (invalid byte at position 6)",
        ),
    ],
    ids=[
        "empty",
        "blank",
        "not-json",
        "trailing-comma",
        "nan",
        "array",
        "string",
        "number",
        "null",
        "duplicate-key",
        "nested-object",
        "nested-array",
        "invalid-utf8",
    ],
)
def test_bad_bodies_are_gateway_errors_that_say_why(raw: bytes, msg: str) -> None:
    assert _error(raw) == msg


def test_duplicate_keys_inside_a_nested_value_are_reported_too() -> None:
    assert _error(b'{"a":{"k":1,"k":2}}') == "request body has the field 'k' more than once"


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    msg = _error(b"[" * 100_000 + b"]" * 100_000)
    assert msg.startswith("request body ")
