"""The cross-field rules the pages state, as the shipped area files say them.

Each case starts from a body that passes (the area file's examples), changes the fields a
merchant would get wrong, and asserts the exact messages: which value was expected, what
was received, and which condition applied.
"""

from __future__ import annotations

import pytest

from vexora_sandbox.protocol.jsonbody import Body
from vexora_sandbox.protocol.rules import EndpointRules, FieldRule, load_areas

AREAS = load_areas()


def value_for(rule: FieldRule) -> str:
    if rule.example is not None:
        return rule.example
    if rule.type == "amount":
        return format(rule.min.normalize(), "f") if rule.min is not None else "1000"
    if rule.type == "timestamp":
        return "1764000000000"
    if rule.type == "email":
        return "ana.garcia@example.com"
    if rule.type == "gmail":
        return "ana.garcia@gmail.com"
    if rule.type == "url":
        return "https://merchant.example.com/notify"
    return "T20261124000001" if rule.name == "tradeNo" else "Ana Garcia"


def rules_of(area: str, endpoint: str) -> EndpointRules:
    rules = AREAS[area].rules_for(endpoint)
    assert rules is not None
    return rules


def errors(area: str, endpoint: str, **changes: str | None) -> list[str]:
    rules = rules_of(area, endpoint)
    body: Body = {rule.name: value_for(rule) for rule in rules.fields}
    for name, value in changes.items():
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    return rules.errors(body, "strict")


@pytest.mark.parametrize(
    ("area", "endpoint"),
    [
        (area, endpoint)
        for area in ("mexico", "chile", "peru", "brazil", "colombia", "indonesia", "japan")
        for endpoint in ("disbursements", "checkout", "deposits", "kycApplyFor")
        if endpoint in AREAS[area].endpoints
    ],
)
def test_the_example_body_passes(area: str, endpoint: str) -> None:
    assert errors(area, endpoint) == []


# --- Mexico: customerAccountType decides customerAccount's length ------------------------


def test_mexico_debit_card_is_16_digits() -> None:
    assert errors("mexico", "disbursements", customerAccountType="DebitCard") == [
        "customerAccount must be 16 digits, a debit card number (e.g. 4152313412345678) "
        'when customerAccountType is "DebitCard"; got "012180001234567897" (18 digits)'
    ]
    assert (
        errors(
            "mexico",
            "disbursements",
            customerAccountType="DebitCard",
            customerAccount="4152313412345678",
        )
        == []
    )


def test_mexico_clabe_is_18_digits() -> None:
    assert errors("mexico", "disbursements", customerAccount="4152313412345678") == [
        "customerAccount must be 18 digits, a CLABE (e.g. 012180001234567897) "
        'when customerAccountType is "CLABE"; got "4152313412345678" (16 digits)'
    ]


def test_mexico_payouts_may_leave_out_notify_url() -> None:
    assert errors("mexico", "disbursements", notifyUrl=None) == []


@pytest.mark.parametrize("endpoint", ["checkout", "deposits"])
def test_mexico_payment_page_fields(endpoint: str) -> None:
    assert errors("mexico", endpoint, payer=None, mobile=None, email=None) == []
    assert errors("mexico", endpoint, wayCode="store") == []
    assert errors("mexico", endpoint, wayCode="SPEI") == [
        'wayCode must be one of store, va; got "SPEI"'
    ]
    assert "customerName" not in {f.name for f in rules_of("mexico", endpoint).fields}


# --- Chile and Peru: idType decides idCardNumber's format ----------------------------------

ID_CASES = [
    (
        "DNI",
        "20-12345678-9",
        'idCardNumber must be 7 or 8 digits (e.g. 12345678) when idType is "DNI"; '
        'got "20-12345678-9" (13 characters)',
    ),
    (
        "DNI",
        "123456",
        'idCardNumber must be 7 or 8 digits (e.g. 12345678) when idType is "DNI"; '
        'got "123456" (6 digits)',
    ),
    (
        "CUIT",
        "20123456789",
        "idCardNumber must be 11 digits in the form XX-XXXXXXXX-X (e.g. 20-12345678-9) "
        'when idType is one of CUIL, CUIT (it is "CUIT"); got "20123456789" (11 digits)',
    ),
    (
        "PA",
        "20-12345678-9",
        "idCardNumber must be a passport number of up to 15 digits "
        'when idType is "PA"; got "20-12345678-9" (13 characters)',
    ),
]


@pytest.mark.parametrize("area", ["chile", "peru"])
@pytest.mark.parametrize("endpoint", ["disbursements", "checkout", "deposits"])
@pytest.mark.parametrize(("id_type", "number", "message"), ID_CASES)
def test_id_type_decides_the_id_number(
    area: str, endpoint: str, id_type: str, number: str, message: str
) -> None:
    assert errors(area, endpoint, idType=id_type, idCardNumber=number) == [message]


@pytest.mark.parametrize("area", ["chile", "peru"])
@pytest.mark.parametrize(
    ("id_type", "number"), [("DNI", "1234567"), ("CUIL", "20-12345678-9"), ("PA", "123456789")]
)
def test_id_numbers_in_their_format_pass(area: str, id_type: str, number: str) -> None:
    assert errors(area, "disbursements", idType=id_type, idCardNumber=number) == []


@pytest.mark.parametrize("area", ["chile", "peru"])
def test_channel_code_decides_the_way_code(area: str) -> None:
    assert errors(area, "checkout", channelCode="BANK_TRANSFER", wayCode="QR") == [
        'wayCode must be one of CVU when channelCode is "BANK_TRANSFER"; got "QR"'
    ]
    assert errors(area, "checkout", channelCode="QR", wayCode="CVU") == [
        'wayCode must be one of QR when channelCode is "QR"; got "CVU"'
    ]
    assert errors(area, "checkout", channelCode="BANK_TRANSFER", wayCode="CVU") == []


# --- Brazil: the PIX key type decides the key's format ---------------------------------------

PIX_CASES = [
    ("CPF", "18171847084", None),
    (
        "CPF",
        "181.718.470-84",
        'bankNumber must be a CPF of 11 digits (e.g. 18171847084) when bankType is "CPF"; '
        'got "181.718.470-84" (14 characters)',
    ),
    ("CNPJ", "11222333000181", None),
    (
        "CNPJ",
        "18171847084",
        "bankNumber must be a CNPJ of 14 digits (e.g. 11222333000181) "
        'when bankType is "CNPJ"; got "18171847084" (11 digits)',
    ),
    ("EMAIL", "ana.souza@example.com", None),
    (
        "EMAIL",
        "18171847084",
        "bankNumber must be an email address (e.g. name@example.com) "
        'when bankType is "EMAIL"; got "18171847084"',
    ),
    ("PHONE", "+5511987654321", None),
    (
        "PHONE",
        "11987654321",
        "bankNumber must be a phone number with the +55 country code, then 10 or 11 digits "
        '(e.g. +5511987654321) when bankType is "PHONE"; got "11987654321" (11 digits)',
    ),
    ("EVP", "123e4567-e89b-12d3-a456-426614174000", None),
    (
        "EVP",
        "123e4567e89b12d3a456426614174000",
        "bankNumber must be a random key, a UUID of 36 characters "
        '(e.g. 123e4567-e89b-12d3-a456-426614174000) when bankType is "EVP"; '
        'got "123e4567e89b12d3a456426614174000" (32 characters)',
    ),
]


@pytest.mark.parametrize(("key_type", "key", "message"), PIX_CASES)
def test_brazil_pix_key_type_decides_the_key(key_type: str, key: str, message: str | None) -> None:
    expected = [] if message is None else [message]
    assert errors("brazil", "disbursements", bankType=key_type, bankNumber=key) == expected


def test_brazil_identity_type_decides_the_identity_length() -> None:
    assert errors("brazil", "disbursements", identityType="CNPJ") == [
        "userIdentity must be a CNPJ of 14 digits (e.g. 11222333000181) "
        'when identityType is "CNPJ"; got "18171847084" (11 digits)'
    ]
    assert (
        errors("brazil", "disbursements", identityType="CNPJ", userIdentity="11222333000181") == []
    )


# --- Colombia: wayCode decides which payer fields are required -------------------------------


@pytest.mark.parametrize("endpoint", ["checkout", "deposits"])
@pytest.mark.parametrize("way_code", ["PSE", "WALLET", "BREB"])
def test_colombia_id_required_for_pse_wallet_breb(endpoint: str, way_code: str) -> None:
    assert errors(
        "colombia", endpoint, wayCode=way_code, idType=None, idCardNumber=None, bankCode="1007"
    ) == [
        f'idType is required when wayCode is one of PSE, WALLET, BREB (it is "{way_code}") '
        "but missing",
        f"idCardNumber is required when wayCode is one of PSE, WALLET, BREB "
        f'(it is "{way_code}") but missing',
    ]


def test_colombia_bank_code_required_for_pse_only() -> None:
    assert errors("colombia", "checkout", wayCode="PSE", bankCode=None) == [
        'bankCode is required when wayCode is "PSE" but missing'
    ]
    assert errors("colombia", "checkout", wayCode="WALLET", bankCode=None) == []


def test_colombia_cash_needs_no_id() -> None:
    assert errors("colombia", "checkout", wayCode="EFECTY", idType=None, idCardNumber=None) == []


@pytest.mark.parametrize(
    ("id_type", "number", "message"),
    [
        ("CC", "123456", None),
        ("CE", "1234567890", None),
        (
            "CC",
            "12345",
            "idCardNumber must be 6 to 10 digits (e.g. 1234567890) when idType is one of CC, CE "
            '(it is "CC"); got "12345" (5 digits)',
        ),
        ("NIT", "900123456", None),
        (
            "PA",
            "1234567890",
            "idCardNumber must be 9 digits (e.g. 900123456) when idType is one of NIT, PA "
            '(it is "PA"); got "1234567890" (10 digits)',
        ),
    ],
)
def test_colombia_id_formats(id_type: str, number: str, message: str | None) -> None:
    expected = [] if message is None else [message]
    assert errors("colombia", "checkout", idType=id_type, idCardNumber=number) == expected


def test_colombia_amounts_are_whole() -> None:
    assert errors("colombia", "checkout", amount="1000.50") == [
        'amount must be a whole number (no fractional part); got "1000.50"'
    ]


# --- Indonesia: a wayCode counts only with a channelCode --------------------------------------


def test_indonesia_cashier_way_code_needs_a_channel_code() -> None:
    assert errors("indonesia", "checkout", channelCode=None) == [
        "channelCode is required when wayCode is given but missing"
    ]
    assert errors("indonesia", "checkout", channelCode=None, wayCode=None) == []


@pytest.mark.parametrize("amount", ["10000.50", "250000"])
def test_indonesia_amounts_are_floats(amount: str) -> None:
    assert errors("indonesia", "disbursements", amount=amount) == []


# --- Japan: Katakana names on payouts and the cashier ----------------------------------------


@pytest.mark.parametrize("endpoint", ["disbursements", "checkout"])
def test_japan_names_in_katakana(endpoint: str) -> None:
    assert errors("japan", endpoint, firstname="Taro") == [
        'firstname must be a name in Katakana (e.g. タロウ); got "Taro" (4 characters)'
    ]
    assert errors("japan", endpoint, firstname="ﾀﾛｳ", lastname="ヤマダ　タロウ") == []


# --- Cambodia: remark is required on checkout -------------------------------------------------


@pytest.mark.parametrize("area", ["cambodia", "cambodia-usd"])
def test_cambodia_checkout_remark_required(area: str) -> None:
    assert errors(area, "checkout", remark=None) == ["remark is required but missing"]
    assert errors(area, "disbursements", remark=None) == []
