"""The gateway's signature: the four test vectors and every detail rule."""

from __future__ import annotations

import pytest

from tests.support.vectors import (
    CALLBACK,
    CALLBACK_BASE,
    CALLBACK_SIGN,
    DOCS_EXAMPLE,
    DOCS_EXAMPLE_BASE,
    DOCS_EXAMPLE_SIGN,
    NUMBER_TIMESTAMP_BASE,
    NUMBER_TIMESTAMP_RAW,
    NUMBER_TIMESTAMP_SIGN,
)
from vexora_sandbox.errors import GatewayError
from vexora_sandbox.protocol.jsonbody import parse_body
from vexora_sandbox.protocol.signing import canonical_string, sign, sign_base, signed, verify

SECRET = "sandbox-secret"


# --- the four test vectors -----------------------------------------------------------


def test_vector_docs_example_disbursement() -> None:
    assert canonical_string(DOCS_EXAMPLE) == DOCS_EXAMPLE_BASE
    assert sign(DOCS_EXAMPLE, SECRET) == DOCS_EXAMPLE_SIGN


def test_vector_number_timestamp_and_empty_remark() -> None:
    body = parse_body(NUMBER_TIMESTAMP_RAW)
    assert canonical_string(body) == NUMBER_TIMESTAMP_BASE
    assert sign(body, SECRET) == NUMBER_TIMESTAMP_SIGN


def test_vector_callback() -> None:
    assert canonical_string(CALLBACK) == CALLBACK_BASE
    assert sign(CALLBACK, SECRET) == CALLBACK_SIGN


def test_vector_timestamp_only_other_secret() -> None:
    body = {"timestamp": "1724151084278"}
    assert canonical_string(body) == "timestamp=1724151084278"
    assert sign(body, "test_secret_123") == "e2b46cbd8fd166ccc456043b51c537be"


# --- detail rules --------------------------------------------------------------------


def test_sign_base_is_the_canonical_string_then_the_raw_secret() -> None:
    assert sign_base(DOCS_EXAMPLE, SECRET) == DOCS_EXAMPLE_BASE + SECRET


def test_the_sign_field_itself_is_not_signed() -> None:
    with_sign = {**DOCS_EXAMPLE, "sign": "whatever"}
    assert canonical_string(with_sign) == DOCS_EXAMPLE_BASE
    assert sign(with_sign, SECRET) == DOCS_EXAMPLE_SIGN


def test_names_sort_by_code_point_upper_case_first() -> None:
    assert canonical_string({"a": "1", "Z": "2", "B": "3", "_": "4"}) == "B=3Z=2_=4a=1"


def test_null_and_empty_string_are_skipped() -> None:
    body = parse_body(b'{"remark":"","extra":null,"timestamp":"1724151084278"}')
    assert canonical_string(body) == "timestamp=1724151084278"
    assert sign(body, "test_secret_123") == "e2b46cbd8fd166ccc456043b51c537be"


def test_strings_are_signed_as_is_without_trimming() -> None:
    assert canonical_string({"firstname": " Ana "}) == "firstname= Ana "


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"amount":100.50}', "amount=100.50"),
        (b'{"amount":100.5}', "amount=100.5"),
        (b'{"amount":100000}', "amount=100000"),
        (b'{"amount":1.0e3}', "amount=1.0e3"),
        (b'{"amount":-0.10}', "amount=-0.10"),
    ],
)
def test_json_numbers_sign_by_their_literal_text(raw: bytes, expected: str) -> None:
    assert canonical_string(parse_body(raw)) == expected


def test_timestamp_as_string_or_number_signs_the_same() -> None:
    as_string = parse_body(b'{"timestamp":"1724151084278"}')
    as_number = parse_body(b'{"timestamp":1724151084278}')
    assert sign(as_string, "test_secret_123") == "e2b46cbd8fd166ccc456043b51c537be"
    assert sign(as_number, "test_secret_123") == "e2b46cbd8fd166ccc456043b51c537be"


def test_booleans_sign_as_true_and_false() -> None:
    body = parse_body(b'{"a":true,"b":false}')
    assert canonical_string(body) == "a=trueb=false"


def test_verify_accepts_the_right_sign_in_lower_or_upper_case() -> None:
    assert verify({**DOCS_EXAMPLE, "sign": DOCS_EXAMPLE_SIGN}, SECRET)
    assert verify({**DOCS_EXAMPLE, "sign": DOCS_EXAMPLE_SIGN.upper()}, SECRET)


@pytest.mark.parametrize(
    "given",
    [None, "", "0" * 32, DOCS_EXAMPLE_SIGN[:-1], DOCS_EXAMPLE_SIGN + "0"],
    ids=["null", "empty", "zeros", "short", "long"],
)
def test_verify_rejects_a_missing_or_wrong_sign(given: str | None) -> None:
    assert not verify({**DOCS_EXAMPLE, "sign": given}, SECRET)
    assert not verify(DOCS_EXAMPLE, SECRET)


def test_verify_rejects_the_right_sign_with_another_secret() -> None:
    assert not verify({**DOCS_EXAMPLE, "sign": DOCS_EXAMPLE_SIGN}, "other-secret")


def test_signed_adds_the_sign_and_keeps_the_body() -> None:
    result = signed(DOCS_EXAMPLE, SECRET)
    assert result == {**DOCS_EXAMPLE, "sign": DOCS_EXAMPLE_SIGN}
    assert "sign" not in DOCS_EXAMPLE


@pytest.mark.parametrize("raw", [b'{"a":"1","b":{"c":"d"}}', b'{"a":"1","b":["c"]}'])
def test_a_nested_value_is_rejected_by_the_parser(raw: bytes) -> None:
    with pytest.raises(GatewayError, match=r"^b must be a string or a number; got an"):
        parse_body(raw)


def test_a_nested_value_cannot_be_signed() -> None:
    with pytest.raises(TypeError, match="cannot be signed"):
        canonical_string({"extra": {"a": "b"}})
