"""The default area's disbursement rules, strict and lenient."""

from __future__ import annotations

from typing import Any

import pytest

from vexora_sandbox.protocol.jsonbody import Body, parse_body
from vexora_sandbox.protocol.rules import EndpointRules, load_areas

VALID = (
    b'{"tradeNo":"T20261124000001","amount":"250","accountNo":"0000003100012345678901",'
    b'"mobile":"0912345678","email":"ana.garcia@example.com","firstname":"Ana",'
    b'"lastname":"Garcia","notifyUrl":"http://127.0.0.1:9/notify","remark":"order-42",'
    b'"timestamp":"1764000000000"}'
)


@pytest.fixture(scope="module")
def rules() -> EndpointRules:
    found = load_areas()["default"].rules_for("disbursements")
    assert found is not None
    return found


def body(**changes: Any) -> Body:
    """The valid body with some fields replaced by JSON literals (None: field removed)."""
    parsed = dict(parse_body(VALID))
    for name, literal in changes.items():
        if literal is None:
            parsed.pop(name, None)
        else:
            parsed[name] = parse_body(f'{{"v":{literal}}}'.encode())["v"]
    return parsed


def test_the_valid_body_passes(rules: EndpointRules) -> None:
    assert rules.errors(body(), "strict") == []
    assert rules.errors(body(), "lenient") == []


@pytest.mark.parametrize(
    "field",
    [
        "tradeNo",
        "amount",
        "accountNo",
        "mobile",
        "email",
        "firstname",
        "lastname",
        "notifyUrl",
        "timestamp",
    ],
)
def test_every_required_field_missing_null_or_empty(rules: EndpointRules, field: str) -> None:
    for validation in ("strict", "lenient"):
        assert rules.errors(body(**{field: None}), validation) == [
            f"{field} is required but missing"
        ]
        assert rules.errors(body(**{field: "null"}), validation) == [
            f"{field} is required but null"
        ]
        assert rules.errors(body(**{field: '""'}), validation) == [f"{field} is required but empty"]


@pytest.mark.parametrize("literal", [None, "null", '""', '"anything"'])
def test_remark_is_optional(rules: EndpointRules, literal: str | None) -> None:
    assert rules.errors(body(remark=literal), "strict") == []


@pytest.mark.parametrize("literal", ['"100"', "100", '"100.00"', "100.00", '"250"', '"1000000"'])
def test_amount_accepted(rules: EndpointRules, literal: str) -> None:
    assert rules.errors(body(amount=literal), "strict") == []


@pytest.mark.parametrize(
    ("literal", "msg"),
    [
        ('"100.50"', 'amount must be a whole number (no fractional part); got "100.50"'),
        ("100.50", 'amount must be a whole number (no fractional part); got "100.50"'),
        ('"99"', 'amount must be at least 100; got "99"'),
        ("99", 'amount must be at least 100; got "99"'),
        ('"0"', 'amount must be at least 100; got "0"'),
        ('"-100"', 'amount must be at least 100; got "-100"'),
        ('"abc"', 'amount must be a whole number written in digits (e.g. "100"); got "abc"'),
        ('"1,000"', 'amount must be a whole number written in digits (e.g. "100"); got "1,000"'),
        ('" 100"', 'amount must be a whole number written in digits (e.g. "100"); got " 100"'),
        ("true", "amount must be a string or a number; got a boolean (true)"),
    ],
)
def test_amount_rejected(rules: EndpointRules, literal: str, msg: str) -> None:
    assert rules.errors(body(amount=literal), "strict") == [msg]


def test_mobile_of_the_docs_example_is_rejected_with_the_reference_message(
    rules: EndpointRules,
) -> None:
    assert rules.errors(body(mobile='"081234567890"'), "strict") == [
        "mobile must be a 10-digit number starting with 0 (e.g. 09XXXXXXXX); "
        'got "081234567890" (12 digits)'
    ]


@pytest.mark.parametrize("literal", ['"0912345678"', '"0000000000"', '"0812345678"'])
def test_mobile_accepted(rules: EndpointRules, literal: str) -> None:
    assert rules.errors(body(mobile=literal), "strict") == []


@pytest.mark.parametrize(
    ("literal", "msg"),
    [
        (
            '"912345678"',
            "mobile must be a 10-digit number starting with 0 (e.g. 09XXXXXXXX); "
            'got "912345678" (9 digits)',
        ),
        (
            '"9123456789"',
            "mobile must be a 10-digit number starting with 0 (e.g. 09XXXXXXXX); "
            'got "9123456789" (10 digits)',
        ),
        (
            '"+639123456"',
            "mobile must be a 10-digit number starting with 0 (e.g. 09XXXXXXXX); "
            'got "+639123456" (10 characters)',
        ),
        ("912345678", "mobile must be a string; got a number (912345678)"),
    ],
)
def test_mobile_rejected(rules: EndpointRules, literal: str, msg: str) -> None:
    assert rules.errors(body(mobile=literal), "strict") == [msg]


@pytest.mark.parametrize("literal", ['"a@b.co"', '"ana.garcia+test@mail.example.com"'])
def test_email_accepted(rules: EndpointRules, literal: str) -> None:
    assert rules.errors(body(email=literal), "strict") == []


@pytest.mark.parametrize(
    "value", ["ana", "ana@", "@example.com", "ana@example", "a b@example.com", "ana@@example.com"]
)
def test_email_rejected(rules: EndpointRules, value: str) -> None:
    assert rules.errors(body(email=f'"{value}"'), "strict") == [
        f'email must be an email address (e.g. name@example.com); got "{value}"'
    ]


@pytest.mark.parametrize(
    "value",
    ["http://127.0.0.1:9/notify", "https://api.merchant.com/vexora/notify?x=1", "HTTPS://A.B"],
)
def test_notify_url_accepted(rules: EndpointRules, value: str) -> None:
    assert rules.errors(body(notifyUrl=f'"{value}"'), "strict") == []


@pytest.mark.parametrize(
    "value",
    [
        "/notify",
        "api.merchant.com/notify",
        "ftp://merchant.com/notify",
        "http://",
        "http:// bad.com",
    ],
)
def test_notify_url_rejected(rules: EndpointRules, value: str) -> None:
    assert rules.errors(body(notifyUrl=f'"{value}"'), "strict") == [
        f'notifyUrl must be an absolute http(s) URL; got "{value}"'
    ]


def test_trade_no_at_most_32_characters(rules: EndpointRules) -> None:
    assert rules.errors(body(tradeNo=f'"{"T" * 32}"'), "strict") == []
    assert rules.errors(body(tradeNo=f'"{"T" * 33}"'), "strict") == [
        f'tradeNo must be at most 32 characters; got "{"T" * 33}" (33 characters)'
    ]


@pytest.mark.parametrize(
    ("field", "literal", "msg"),
    [
        ("firstname", "true", "firstname must be a string; got a boolean (true)"),
        ("lastname", "false", "lastname must be a string; got a boolean (false)"),
        ("accountNo", "880123456789", "accountNo must be a string; got a number (880123456789)"),
        ("tradeNo", "123", "tradeNo must be a string; got a number (123)"),
        ("notifyUrl", "1", "notifyUrl must be a string; got a number (1)"),
        ("remark", "42", "remark must be a string; got a number (42)"),
        ("timestamp", "true", "timestamp must be a string or a number; got a boolean (true)"),
    ],
)
def test_wrong_json_types(rules: EndpointRules, field: str, literal: str, msg: str) -> None:
    assert rules.errors(body(**{field: literal}), "strict") == [msg]
    assert rules.errors(body(**{field: literal}), "lenient") == [msg]


@pytest.mark.parametrize("literal", ['"1764000000000"', "1764000000000"])
def test_timestamp_as_string_or_number(rules: EndpointRules, literal: str) -> None:
    assert rules.errors(body(timestamp=literal), "strict") == []


def test_timestamp_not_epoch_milliseconds(rules: EndpointRules) -> None:
    assert rules.errors(body(timestamp='"yesterday"'), "strict") == [
        'timestamp must be epoch milliseconds (e.g. 1719876543210); got "yesterday"'
    ]


def test_every_error_is_listed_in_field_order(rules: EndpointRules) -> None:
    broken = body(amount='"99"', mobile='"12345"', email='"x"')
    assert rules.errors(broken, "strict") == [
        'amount must be at least 100; got "99"',
        "mobile must be a 10-digit number starting with 0 (e.g. 09XXXXXXXX); "
        'got "12345" (5 digits)',
        'email must be an email address (e.g. name@example.com); got "x"',
    ]


def test_lenient_checks_only_presence_and_types(rules: EndpointRules) -> None:
    loose = body(
        mobile='"081234567890"',
        amount='"100.50"',
        email='"not-an-email"',
        notifyUrl='"/notify"',
        tradeNo=f'"{"T" * 40}"',
        timestamp='"soon"',
    )
    assert rules.errors(loose, "lenient") == []
    assert len(rules.errors(loose, "strict")) == 6
