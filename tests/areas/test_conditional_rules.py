"""Conditional (cross-field) rules, the gmail.com email type, epoch-millisecond timestamps
and area aliases, as an area file states them and as a merchant reads the messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from vexora_sandbox.errors import ConfigError
from vexora_sandbox.protocol.jsonbody import Body, JsonNumber
from vexora_sandbox.protocol.rules import EndpointRules, load_areas

ATLANTIS = """\
area: atlantis
title: Atlantis
docs: https://docs.vexora.com/guide/areas/atlantis/payout/
currency: ATL
aliases: [atl]
endpoints:
  disbursements:
    fields:
      tradeNo: {required: true, max_length: 32}
      amount: {required: true, type: amount, decimals: 0}
      idType: {required: true, values: [DNI, CUIT, PA]}
      idCardNumber: {required: true, max_length: 20}
      keyType: {values: [EMAIL, PHONE]}
      key: {}
      custId: {}
      email: {type: gmail, example: ana.garcia@gmail.com}
    conditions:
      - when: {field: idType, equals: DNI}
        fields:
          idCardNumber: {pattern: '[0-9]{7,8}', rule: 7 or 8 digits (e.g. 12345678)}
      - when: {field: idType, one_of: [CUIT, PA]}
        fields:
          idCardNumber: {min_length: 9}
      - when: {field: keyType, equals: EMAIL}
        fields:
          key: {required: true, type: email}
      - when: {field: amount, above: 50000}
        fields:
          custId: {required: true}
      - when: {field: amount, below: 100}
        fields:
          idCardNumber: {pattern: 'X.*', rule: starting with X}
      - when: {field: key, present: true}
        fields:
          keyType: {required: true}
"""

VALID: Body = {
    "tradeNo": "T1",
    "amount": "500",
    "idType": "DNI",
    "idCardNumber": "12345678",
    "timestamp": "1764000000000",
}


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> EndpointRules:
    directory = tmp_path_factory.mktemp("areas")
    (directory / "atlantis.yaml").write_text(ATLANTIS, encoding="utf-8")
    found = load_areas([directory])["atlantis"].rules_for("disbursements")
    assert found is not None
    return found


def errors(rules: EndpointRules, **changes: str | None) -> list[str]:
    body: Body = {**VALID, **changes}
    return rules.errors({k: v for k, v in body.items() if v is not None}, "strict")


def test_the_valid_body_passes(rules: EndpointRules) -> None:
    assert errors(rules) == []


def test_equals_applies_the_pattern_and_names_the_condition(rules: EndpointRules) -> None:
    assert errors(rules, idCardNumber="20-12345678-9") == [
        'idCardNumber must be 7 or 8 digits (e.g. 12345678) when idType is "DNI"; '
        'got "20-12345678-9" (13 characters)'
    ]


def test_the_condition_does_not_apply_to_other_values(rules: EndpointRules) -> None:
    assert errors(rules, idType="CUIT", idCardNumber="20-12345678-9") == []


def test_one_of_names_the_value_that_matched(rules: EndpointRules) -> None:
    assert errors(rules, idType="PA", idCardNumber="1234") == [
        "idCardNumber must be at least 9 characters when idType is one of CUIT, PA "
        '(it is "PA"); got "1234" (4 characters)'
    ]


def test_the_fields_own_rule_is_reported_first_and_alone(rules: EndpointRules) -> None:
    # max_length 20 is the field's own rule: its message, not the conditional pattern's.
    assert errors(rules, idCardNumber="1" * 21) == [
        f'idCardNumber must be at most 20 characters; got "{"1" * 21}" (21 characters)'
    ]


def test_a_broken_condition_field_applies_no_condition(rules: EndpointRules) -> None:
    assert errors(rules, idType="XX", idCardNumber="20-12345678-9") == [
        'idType must be one of DNI, CUIT, PA; got "XX"'
    ]


def test_a_conditional_required_field(rules: EndpointRules) -> None:
    assert errors(rules, keyType="EMAIL") == ['key is required when keyType is "EMAIL" but missing']
    assert errors(rules, keyType="EMAIL", key="") == [
        'key is required when keyType is "EMAIL" but empty'
    ]
    assert errors(rules, keyType="PHONE") == []


def test_a_conditional_type(rules: EndpointRules) -> None:
    assert errors(rules, keyType="EMAIL", key="ana.garcia") == [
        "key must be an email address (e.g. name@example.com) "
        'when keyType is "EMAIL"; got "ana.garcia"'
    ]
    assert errors(rules, keyType="PHONE", key="ana.garcia") == []


@pytest.mark.parametrize("amount", ["50001", "60000", "50000.5"])
def test_required_above_an_amount(rules: EndpointRules, amount: str) -> None:
    assert errors(rules, amount=amount)[-1:] == [
        f'custId is required when amount is above 50000 (it is "{amount}") but missing'
    ]
    assert errors(rules, amount=amount, custId="C-1")[-1:] != [
        f'custId is required when amount is above 50000 (it is "{amount}") but missing'
    ]


def test_a_json_number_amount_counts_as_its_value(rules: EndpointRules) -> None:
    body: Body = {**VALID, "amount": JsonNumber("60000")}
    assert rules.errors(body, "strict") == [
        'custId is required when amount is above 50000 (it is "60000") but missing'
    ]


@pytest.mark.parametrize("amount", ["50000", "100"])
def test_not_required_at_or_below_the_amount(rules: EndpointRules, amount: str) -> None:
    assert errors(rules, amount=amount) == []


def test_below_an_amount(rules: EndpointRules) -> None:
    assert errors(rules, amount="99") == [
        'idCardNumber must be starting with X when amount is below 100 (it is "99"); '
        'got "12345678" (8 digits)'
    ]


@pytest.mark.parametrize("key", ["a@b.co", "0912345678"])
def test_required_when_another_field_is_given(rules: EndpointRules, key: str) -> None:
    assert errors(rules, key=key) == ["keyType is required when key is given but missing"]
    assert errors(rules, key=key, keyType="PHONE") == []


def test_an_empty_field_is_not_given(rules: EndpointRules) -> None:
    assert errors(rules, key="") == []


def test_a_broken_amount_gets_its_own_message_and_no_condition(rules: EndpointRules) -> None:
    assert errors(rules, amount="60,000") == [
        'amount must be a whole number written in digits (e.g. "100"); got "60,000"'
    ]


def test_lenient_keeps_conditional_presence_and_drops_formats(rules: EndpointRules) -> None:
    body: Body = {**VALID, "idCardNumber": "20-12345678-9", "keyType": "EMAIL"}
    assert rules.errors(body, "lenient") == ['key is required when keyType is "EMAIL" but missing']


# --- gmail.com email -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["ana.garcia@gmail.com", "A.B+x@GMAIL.COM"])
def test_gmail_accepted(rules: EndpointRules, value: str) -> None:
    assert errors(rules, email=value) == []


@pytest.mark.parametrize(
    "value", ["ana@example.com", "ana@gmail.com.evil.net", "ana@mail.gmail.com", "@gmail.com"]
)
def test_gmail_rejected(rules: EndpointRules, value: str) -> None:
    assert errors(rules, email=value) == [
        f'email must be a gmail.com email address (e.g. name@gmail.com); got "{value}"'
    ]


# --- timestamps ----------------------------------------------------------------------------

STAMP = "timestamp must be epoch milliseconds (e.g. 1719876543210)"


@pytest.mark.parametrize("value", ["1764000000000", JsonNumber("1764000000000")])
def test_milliseconds_as_string_or_number(rules: EndpointRules, value: str) -> None:
    assert rules.errors({**VALID, "timestamp": value}, "strict") == []


@pytest.mark.parametrize("value", ["1764000000", JsonNumber("1764000000")])
def test_seconds_are_refused_saying_so(rules: EndpointRules, value: str) -> None:
    assert rules.errors({**VALID, "timestamp": value}, "strict") == [
        f'{STAMP}; got "1764000000" (10 digits: that is epoch seconds; send milliseconds, '
        "13 digits)"
    ]


@pytest.mark.parametrize("value", ["176400000000", "17640000000000000"])
def test_other_digit_counts_are_refused(rules: EndpointRules, value: str) -> None:
    assert errors(rules, timestamp=value) == [
        f'{STAMP}; got "{value}" ({len(value)} digits; epoch milliseconds have 13)'
    ]


@pytest.mark.parametrize("value", ["1764000000000.0", "-1764000000000", "2026-11-24"])
def test_non_digits_are_refused(rules: EndpointRules, value: str) -> None:
    assert errors(rules, timestamp=value) == [f'{STAMP}; got "{value}"']


# --- aliases -------------------------------------------------------------------------------


def test_an_alias_is_a_copy_under_its_own_name(tmp_path: Path) -> None:
    (tmp_path / "atlantis.yaml").write_text(ATLANTIS, encoding="utf-8")
    areas = load_areas([tmp_path])
    alias = areas["atl"]
    assert alias.name == "atl"
    assert alias.endpoints == areas["atlantis"].endpoints
    assert (alias.currency, alias.docs) == ("ATL", areas["atlantis"].docs)


def test_the_default_area_is_the_argentina_area() -> None:
    areas = load_areas()
    assert areas["default"].name == "default"
    assert areas["default"].endpoints == areas["argentina"].endpoints


def test_a_file_named_like_an_alias_wins(tmp_path: Path) -> None:
    (tmp_path / "atlantis.yaml").write_text(ATLANTIS, encoding="utf-8")
    (tmp_path / "atl.yaml").write_text("area: atl\ntitle: Own file\n", encoding="utf-8")
    assert load_areas([tmp_path])["atl"].title == "Own file"


# --- broken conditions are load errors -------------------------------------------------------

BROKEN = """\
area: broken
aliases: [Not An Alias]
endpoints:
  disbursements:
    fields:
      idType: {values: [DNI]}
      idCardNumber: {}
    conditions:
      - when: {field: idTyp, equals: DNI}
        fields: {idCardNumber: {min_length: 7}}
      - when: {field: idType, equals: DNI, above: 5}
        fields: {idCardNumber: {min_length: 7}}
      - when: {field: idType, equals: DNI}
        fields: {idCardNo: {min_length: 7}}
      - when: {field: idType, equals: DNI}
        fields: {idCardNumber: {example: "1"}}
      - fields: {idCardNumber: {min_length: 7}}
      - when: {field: idType, above: lots}
        fields: {idCardNumber: {pattern: '[0-9]+'}}
      - when: {field: idType, present: yes please}
        fields: {idCardNumber: {min_length: 7}}
"""


def test_broken_conditions_name_the_line_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_areas([tmp_path])
    found = {(p.line, p.key_path, p.message) for p in raised.value.problems}
    where = "endpoints.disbursements.conditions"
    assert found == {
        (2, "aliases", "must be a list of area names (a-z, 0-9, -); got ['Not An Alias']"),
        (9, f"{where}[0].when.field", "names no field of this endpoint: 'idTyp'"),
        (11, f"{where}[1].when", "needs exactly one of equals, one_of, above, below, present"),
        (
            14,
            f"{where}[2].fields.idCardNo",
            "names no field of this endpoint (list it under fields)",
        ),
        (
            16,
            f"{where}[3].fields.idCardNumber.example",
            "unknown key 'example'; expected one of decimals, https_only, max, max_length, "
            "min, min_length, pattern, required, rule, type, values",
        ),
        (17, f"{where}[4].when", "is missing: say which field's value the rules depend on"),
        (18, f"{where}[5].when.above", "must be a number; got 'lots'"),
        (
            19,
            f"{where}[5].fields.idCardNumber",
            "a field with a pattern needs a 'rule' that says it in words",
        ),
        (20, f"{where}[6].when.present", "must be true; got 'yes please'"),
    }
