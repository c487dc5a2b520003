"""The gateway's signature: the four test vectors and every detail rule."""

from __future__ import annotations

import pytest

from vexora_sandbox.errors import GatewayError
from vexora_sandbox.protocol.jsonbody import parse_body
from vexora_sandbox.protocol.signing import canonical_string, sign, sign_base, signed, verify

SECRET = "sandbox-secret"

SEED_EXAMPLE = {
    "tradeNo": "VX20260331008901",
    "amount": "100.00",
    "accountNo": "880123456789012345",
    "mobile": "081234567890",
    "email": "rizky.pratama@example.com",
    "firstname": "Rizky",
    "lastname": "Pratama",
    "notifyUrl": "https://api.merchant.com/vexora/collection/notify",
    "timestamp": "1719876543210",
}
SEED_EXAMPLE_BASE = (
    "accountNo=880123456789012345amount=100.00email=rizky.pratama@example.com"
    "firstname=Rizkylastname=Pratamamobile=081234567890"
    "notifyUrl=https://api.merchant.com/vexora/collection/notify"
    "timestamp=1719876543210tradeNo=VX20260331008901"
)
SEED_EXAMPLE_SIGN = "1cf0e12b56fd8098d9238ef96d0ca5db"

NUMBER_TIMESTAMP_RAW = (
    b'{"amount":"250","mobile":"0912345678","email":"ana.garcia@example.com",'
    b'"accountNo":"0000003100012345678901","firstname":"Ana","lastname":"Garc\xc3\xada",'
    b'"tradeNo":"T20261124000001","notifyUrl":"http://127.0.0.1:9000/notify","remark":"",'
    b'"timestamp":1764000000000}'
)
NUMBER_TIMESTAMP_BASE = (
    "accountNo=0000003100012345678901amount=250email=ana.garcia@example.com"
    "firstname=Analastname=Garcíamobile=0912345678notifyUrl=http://127.0.0.1:9000/notify"
    "timestamp=1764000000000tradeNo=T20261124000001"
)
NUMBER_TIMESTAMP_SIGN = "a16bef2fbfbf40ac82baa0d6ea4dfa63"

CALLBACK = {
    "platFormTradeNo": "VXP0000000001",
    "tradeNo": "T20261124000001",
    "amount": "250",
    "status": "0000",
    "message": "SUCCESS",
    "successTime": "2026-11-24 10:00:02",
    "timestamp": "1764000002000",
    "remark": "order-42",
}
CALLBACK_BASE = (
    "amount=250message=SUCCESSplatFormTradeNo=VXP0000000001remark=order-42status=0000"
    "successTime=2026-11-24 10:00:02timestamp=1764000002000tradeNo=T20261124000001"
)
CALLBACK_SIGN = "83781c928ee6c94557d793e9715fe3e0"


# --- the four test vectors -----------------------------------------------------------


def test_vector_seed_example_disbursement() -> None:
    assert canonical_string(SEED_EXAMPLE) == SEED_EXAMPLE_BASE
    assert sign(SEED_EXAMPLE, SECRET) == SEED_EXAMPLE_SIGN


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
    assert sign_base(SEED_EXAMPLE, SECRET) == SEED_EXAMPLE_BASE + SECRET


def test_the_sign_field_itself_is_not_signed() -> None:
    with_sign = {**SEED_EXAMPLE, "sign": "whatever"}
    assert canonical_string(with_sign) == SEED_EXAMPLE_BASE
    assert sign(with_sign, SECRET) == SEED_EXAMPLE_SIGN


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
    assert verify({**SEED_EXAMPLE, "sign": SEED_EXAMPLE_SIGN}, SECRET)
    assert verify({**SEED_EXAMPLE, "sign": SEED_EXAMPLE_SIGN.upper()}, SECRET)


@pytest.mark.parametrize(
    "given",
    [None, "", "0" * 32, SEED_EXAMPLE_SIGN[:-1], SEED_EXAMPLE_SIGN + "0"],
    ids=["null", "empty", "zeros", "short", "long"],
)
def test_verify_rejects_a_missing_or_wrong_sign(given: str | None) -> None:
    assert not verify({**SEED_EXAMPLE, "sign": given}, SECRET)
    assert not verify(SEED_EXAMPLE, SECRET)


def test_verify_rejects_the_right_sign_with_another_secret() -> None:
    assert not verify({**SEED_EXAMPLE, "sign": SEED_EXAMPLE_SIGN}, "other-secret")


def test_signed_adds_the_sign_and_keeps_the_body() -> None:
    result = signed(SEED_EXAMPLE, SECRET)
    assert result == {**SEED_EXAMPLE, "sign": SEED_EXAMPLE_SIGN}
    assert "sign" not in SEED_EXAMPLE


@pytest.mark.parametrize("raw", [b'{"a":"1","b":{"c":"d"}}', b'{"a":"1","b":["c"]}'])
def test_a_nested_value_is_rejected_by_the_parser(raw: bytes) -> None:
    with pytest.raises(GatewayError, match=r"^b must be a string or a number; got an"):
        parse_body(raw)


def test_a_nested_value_cannot_be_signed() -> None:
    with pytest.raises(TypeError, match="cannot be signed"):
        canonical_string({"extra": {"a": "b"}})
