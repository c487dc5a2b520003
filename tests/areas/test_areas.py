"""The shipped area files: they load, their examples pass, and every payout rule bites.

For every area and every rule of its ``disbursements`` fields, a body that breaks exactly
that rule must get exactly the expected message first (messages: ``FieldRule._check_value``
in ``protocol/rules.py``). A broken area file must be reported with file, line and key path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from vexora_sandbox.errors import ConfigError
from vexora_sandbox.protocol.jsonbody import Body, JsonNumber
from vexora_sandbox.protocol.rules import Area, EndpointRules, FieldRule, load_areas

# The documented areas, besides "default" (an alias of argentina).
EXPECTED_AREAS = (
    "argentina",
    "colombia",
    "philippines",
    "indonesia",
    "thailand",
    "vietnam",
    "myanmar",
    "cambodia",
    "cambodia-usd",
    "malaysia",
    "japan",
    "india",
    "pakistan",
    "bangladesh",
    "kenya",
    "nigeria",
    "brazil",
    "mexico",
    "chile",
    "peru",
    "australia",
)
CREATE_ENDPOINTS = ("disbursements", "checkout", "deposits")
# Endpoints no stored docs page describes: their fields are a sandbox choice, documented in
# docs/areas/<area>.md, and the file names no page for them.
WITHOUT_PAGE = {("argentina", "checkout"), ("argentina", "deposits"), ("colombia", "disbursements")}
# Where each area's pages make remark required: on every create call, or on some.
REMARK_ALWAYS = ("brazil", "australia")
REMARK_REQUIRED = {
    ("pakistan", "disbursements"),
    ("pakistan", "checkout"),
    ("vietnam", "checkout"),
    *((area, e) for area in ("cambodia", "cambodia-usd") for e in ("checkout", "deposits")),
}
NOTIFY_URL_OPTIONAL = {("kenya", "disbursements"), ("mexico", "disbursements")}
MISSING = object()

try:
    AREAS: dict[str, Area] = load_areas()
    LOAD_ERROR: ConfigError | None = None
except ConfigError as exc:  # reported by test_every_area_file_loads, not as a collection error
    AREAS, LOAD_ERROR = {}, exc


def payout_rules(area: str) -> EndpointRules:
    rules = AREAS[area].rules_for("disbursements")
    assert rules is not None, f"{area} has no disbursements endpoint"
    return rules


# --- loading ---------------------------------------------------------------------------


def test_every_area_file_loads() -> None:
    assert LOAD_ERROR is None, f"the shipped area files have problems:\n{LOAD_ERROR}"
    assert set(EXPECTED_AREAS) <= set(AREAS)


@pytest.mark.parametrize("area", EXPECTED_AREAS)
def test_area_header(area: str) -> None:
    loaded = AREAS[area]
    assert loaded.name == area
    assert loaded.title
    assert loaded.docs.startswith("https://docs.vexora.com/guide/areas/")
    assert re.fullmatch(r"[A-Z]{3}", loaded.currency)
    # A locale Faker has: the example generator builds payer names with it.
    faker = pytest.importorskip("faker")
    faker.Faker(loaded.locale)


@pytest.mark.parametrize("area", EXPECTED_AREAS)
def test_create_endpoints_share_the_common_fields(area: str) -> None:
    for endpoint in CREATE_ENDPOINTS:
        rules = AREAS[area].rules_for(endpoint)
        assert rules is not None, f"{area} has no {endpoint}"
        if (area, endpoint) in WITHOUT_PAGE:
            assert rules.docs == ""
        else:
            assert rules.docs.startswith("https://docs.vexora.com/guide/areas/")
        trade_no = rules.field("tradeNo")
        assert trade_no is not None and trade_no.required and trade_no.max_length == 32
        amount = rules.field("amount")
        assert amount is not None and amount.required and amount.type == "amount"
        assert amount.decimals in (0, 2)
        notify = rules.field("notifyUrl")
        assert notify is not None and notify.type == "url"
        assert notify.required is not ((area, endpoint) in NOTIFY_URL_OPTIONAL)
        assert notify.https_only is (area == "japan")
        remark = rules.field("remark")
        assert remark is not None
        assert remark.required is ((area, endpoint) in REMARK_REQUIRED or area in REMARK_ALWAYS)
        timestamp = rules.field("timestamp")
        assert timestamp is not None and timestamp.required and timestamp.type == "timestamp"
    checkout = AREAS[area].rules_for("checkout")
    # Kenya's Checkout page names no returnUrl.
    assert checkout is not None and (checkout.field("returnUrl") is not None) is (area != "kenya")


@pytest.mark.parametrize(
    ("area", "endpoint", "fields"),
    [
        ("bangladesh", "payinSubmit", ["platFormTradeNo", "trxId", "timestamp"]),
        ("myanmar", "payInSubmit", ["platFormTradeNo", "utr", "timestamp"]),
    ],
)
def test_payin_submit(area: str, endpoint: str, fields: list[str]) -> None:
    rules = AREAS[area].rules_for(endpoint)
    assert rules is not None
    assert [f.name for f in rules.fields] == fields
    assert all(f.required for f in rules.fields)


@pytest.mark.parametrize("area", EXPECTED_AREAS)
def test_the_payout_names_its_account_field(area: str) -> None:
    rules = payout_rules(area)
    assert rules.account_field is not None
    account = rules.field(rules.account_field)
    assert account is not None and account.required and account.example


# --- a body built from the examples passes ---------------------------------------------


def valid_amount(rule: FieldRule) -> str:
    amount = rule.min if rule.min is not None else Decimal(100)
    if rule.max is not None:
        assert amount <= rule.max
    return format(amount.normalize(), "f")


def valid_value(rule: FieldRule) -> str:
    """A value a generator would send: the example, or a name, an email, a URL..."""
    if rule.example is not None:
        return rule.example
    assert rule.pattern is None and not rule.values, (
        f"{rule.name} has a pattern or values but no example: a generator cannot guess it"
    )
    if rule.type == "amount":
        return valid_amount(rule)
    if rule.type == "timestamp":
        return "1764000000000"
    if rule.type == "email":
        return "ana.garcia@example.com"
    if rule.type == "gmail":
        return "ana.garcia@gmail.com"
    if rule.type == "url":
        return "https://merchant.example.com/vexora/notify"
    if rule.name == "tradeNo":
        return "T20261124000001"
    return "Ana Garcia"


def valid_body(rules: EndpointRules) -> Body:
    return {rule.name: valid_value(rule) for rule in rules.fields}


ENDPOINT_CASES = [
    (area, endpoint)
    for area in EXPECTED_AREAS
    for endpoint in (AREAS[area].endpoints if area in AREAS else ())
    if endpoint not in ("*", "queryPayOutResult", "queryPayInResult", "queryBalance")
]


@pytest.mark.parametrize(("area", "endpoint"), ENDPOINT_CASES)
def test_a_body_built_from_the_examples_passes(area: str, endpoint: str) -> None:
    rules = AREAS[area].rules_for(endpoint)
    assert rules is not None
    body = valid_body(rules)
    assert rules.errors(body, "strict") == []
    # Optional fields may be left out, unless a condition that holds makes them required.
    required = {rule.name for rule in rules.fields if rule.required}
    required_only = {name: value for name, value in body.items() if name in required}
    required |= {
        name
        for name, pairs in rules.conditional.items()
        for condition, rule in pairs
        if rule.required and condition.holds(required_only)
    }
    required_only = {name: value for name, value in body.items() if name in required}
    assert rules.errors(required_only, "strict") == []


# --- every payout rule bites, with its exact message ------------------------------------


@dataclass(frozen=True)
class Violation:
    area: str
    field: str
    what: str
    value: object  # MISSING: the field is left out
    message: str

    @property
    def id(self) -> str:
        return f"{self.area}-{self.field}-{self.what}"


def quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


PATTERN_PROBES = ("x", "0", "12", "abc-def", "9" * 40, "A" * 12, "1.2.3", "00000000000")


def violations(area: str, rule: FieldRule) -> list[Violation]:
    """One value per rule of ``rule`` that breaks that rule and nothing else."""
    name = rule.name
    found: list[Violation] = []

    def add(what: str, value: object, message: str) -> None:
        found.append(Violation(area, name, what, value, message))

    if rule.required:
        add("missing", MISSING, f"{name} is required but missing")
        add("empty", "", f"{name} is required but empty")
    if rule.type in ("string", "email", "gmail", "url"):
        add("number", JsonNumber("5"), f"{name} must be a string; got a number (5)")
    if rule.type == "amount":
        whole = "a whole number" if rule.decimals == 0 else "a number"
        example = "100" if rule.decimals == 0 else "100.50"
        add(
            "not-digits",
            "1,000",
            f'{name} must be {whole} written in digits (e.g. "{example}"); got "1,000"',
        )
        base = valid_amount(rule)
        if rule.decimals == 0:
            fraction = f"{base}.5"
            add(
                "fraction",
                fraction,
                f"{name} must be a whole number (no fractional part); got {quoted(fraction)}",
            )
        else:
            fraction = f"{base}.005"
            add(
                "decimals",
                fraction,
                f"{name} must have at most {rule.decimals} decimal places; got {quoted(fraction)}",
            )
        if rule.min is not None:
            below = format((rule.min - 1).normalize(), "f")
            add("min", below, f"{name} must be at least {valid_amount(rule)}; got {quoted(below)}")
        else:
            add("zero", "0", f'{name} must be greater than 0; got "0"')
        if rule.max is not None:
            above = format((rule.max + 1).normalize(), "f")
            top = format(rule.max.normalize(), "f")
            add("max", above, f"{name} must be at most {top}; got {quoted(above)}")
    if rule.type == "timestamp":
        add(
            "timestamp",
            "2026-11-24",
            f'{name} must be epoch milliseconds (e.g. 1719876543210); got "2026-11-24"',
        )
    if rule.type == "gmail":
        add(
            "gmail",
            "ana.garcia@example.com",
            f"{name} must be a gmail.com email address (e.g. name@gmail.com); "
            'got "ana.garcia@example.com"',
        )
    if rule.type == "email":
        add(
            "email",
            "ana.garcia",
            f'{name} must be an email address (e.g. name@example.com); got "ana.garcia"',
        )
    if rule.type == "url":
        add(
            "url",
            "merchant.example.com/notify",
            f'{name} must be an absolute http(s) URL; got "merchant.example.com/notify"',
        )
        if rule.https_only:
            plain = "http://127.0.0.1:9/notify"
            add("https", plain, f"{name} must be an https URL; got {quoted(plain)}")
    if rule.values:
        add(
            "values",
            "NONE_OF_THEM",
            f'{name} must be one of {", ".join(rule.values)}; got "NONE_OF_THEM"',
        )
    if rule.max_length is not None:
        long = "T" * (rule.max_length + 1)
        add(
            "max_length",
            long,
            f"{name} must be at most {rule.max_length} characters; "
            f"got {quoted(long)} ({len(long)} characters)",
        )
    if rule.pattern is not None:
        probe = next(p for p in PATTERN_PROBES if not rule.pattern.fullmatch(p))
        unit = "digits" if probe.isdigit() else "characters"
        add(
            "pattern",
            probe,
            f"{name} must be {rule.rule}; got {quoted(probe)} ({len(probe)} {unit})",
        )
    return found


VIOLATIONS = [
    violation
    for area in EXPECTED_AREAS
    if area in AREAS
    for rule in payout_rules(area).fields
    for violation in violations(area, rule)
]


@pytest.mark.parametrize("violation", VIOLATIONS, ids=lambda v: v.id)
def test_breaking_one_rule_gives_its_message_first(violation: Violation) -> None:
    rules = payout_rules(violation.area)
    body = valid_body(rules)
    if violation.value is MISSING:
        del body[violation.field]
    else:
        assert isinstance(violation.value, str)
        body[violation.field] = violation.value
    errors = rules.errors(body, "strict")
    assert errors == [violation.message]


def test_which_areas_check_a_beneficiary_format() -> None:
    formats = {v.area for v in VIOLATIONS if v.what in ("pattern", "values")}
    # These four documents no format for any beneficiary field: only presence is checked.
    assert set(EXPECTED_AREAS) - formats == {"philippines", "vietnam", "malaysia", "nigeria"}


# A few messages written out in full, as a merchant would read them.
FULL_MESSAGES = [
    (
        "india",
        "mobile",
        "919876543210",
        "mobile must be a 10-digit number starting with 6, 7, 8 or 9, without the 91 "
        'country code (e.g. 9876543210); got "919876543210" (12 digits)',
    ),
    (
        "india",
        "bankCode",
        "IDFB-043121",
        "bankCode must be an IFSC code of 11 letters or digits (e.g. IDFB0043121); "
        'got "IDFB-043121" (11 characters)',
    ),
    (
        "india",
        "email",
        "asha.verma@example.com",
        "email must be a gmail.com email address (e.g. name@gmail.com); "
        'got "asha.verma@example.com"',
    ),
    ("indonesia", "amount", "9999", 'amount must be at least 10000; got "9999"'),
    (
        "indonesia",
        "mobile",
        "+6281234567890",
        "mobile must be an Indonesian mobile number of 10-13 digits starting with 08 or 628 "
        '(e.g. 081234567890); got "+6281234567890" (14 characters)',
    ),
    (
        "japan",
        "notifyUrl",
        "http://merchant.example.com/notify",
        'notifyUrl must be an https URL; got "http://merchant.example.com/notify"',
    ),
    ("bangladesh", "wayCode", "ROCKET", 'wayCode must be one of BKASH, NAGAD; got "ROCKET"'),
    ("australia", "amount", "10001", 'amount must be at most 10000; got "10001"'),
    (
        "australia",
        "amount",
        "150.50",
        'amount must be a whole number (no fractional part); got "150.50"',
    ),
    (
        "mexico",
        "customerAccount",
        "01218000123456789",
        "customerAccount must be 16 digits (DebitCard) or 18 digits (CLABE) "
        '(e.g. 012180001234567897); got "01218000123456789" (17 digits)',
    ),
    (
        "pakistan",
        "customerCert",
        "17301-2345678-9",
        "customerCert must be a CNIC of 13 digits without dashes (e.g. 1730123456789); "
        'got "17301-2345678-9" (15 characters)',
    ),
    (
        "kenya",
        "mobile",
        "0712345678",
        "mobile must be a 12-digit number starting with 2541 or 2547 "
        '(e.g. 254712345678); got "0712345678" (10 digits)',
    ),
    (
        "cambodia",
        "amount",
        "10.5",
        'amount must be a whole number (no fractional part); got "10.5"',
    ),
    (
        "chile",
        "idCardNumber",
        "20-1234567-8",
        "idCardNumber must be an ID number in the idType's format, DNI 7 or 8 digits, "
        "CUIL/CUIT XX-XXXXXXXX-X, PA up to 15 digits (e.g. 12345678); "
        'got "20-1234567-8" (12 characters)',
    ),
]


@pytest.mark.parametrize(
    ("area", "field", "value", "message"),
    FULL_MESSAGES,
    ids=[f"{area}-{field}-{value}" for area, field, value, _ in FULL_MESSAGES],
)
def test_messages_in_full(area: str, field: str, value: str, message: str) -> None:
    rules = payout_rules(area)
    body = valid_body(rules)
    body[field] = value
    assert rules.errors(body, "strict") == [message]


@pytest.mark.parametrize(
    ("area", "value"),
    [("cambodia-usd", "10.55"), ("thailand", "0.01"), ("malaysia", "500.00"), ("brazil", "1")],
)
def test_amounts_with_cents_pass_where_the_currency_has_them(area: str, value: str) -> None:
    rules = payout_rules(area)
    assert rules.errors({**valid_body(rules), "amount": value}, "strict") == []


def test_kenya_payouts_may_leave_out_notify_url() -> None:
    rules = payout_rules("kenya")
    body = valid_body(rules)
    del body["notifyUrl"]
    assert rules.errors(body, "strict") == []


# --- a broken area file ------------------------------------------------------------------

BROKEN = """\
area: broken
title: Broken on purpose
currency: XXX
endpoints:
  disbursements:
    fields:
      tradeNo: {required: true, max_lenght: 32}
      mobile:
        pattern: '[0-9'
        rule: digits
      bankCode:
        pattern: '[A-Z]+'
"""


def test_a_broken_area_file_names_the_file_the_line_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_areas([tmp_path])
    problems = {(p.line, p.key_path): p for p in raised.value.problems}
    assert all(p.source == str(path) for p in raised.value.problems)
    assert set(problems) == {
        (7, "endpoints.disbursements.fields.tradeNo.max_lenght"),
        (9, "endpoints.disbursements.fields.mobile.pattern"),
        (11, "endpoints.disbursements.fields.bankCode"),
    }
    unknown = problems[(7, "endpoints.disbursements.fields.tradeNo.max_lenght")]
    assert unknown.message.startswith("unknown key 'max_lenght'; expected one of ")
    assert "max_length" in unknown.message
    assert problems[(9, "endpoints.disbursements.fields.mobile.pattern")].message.startswith(
        "is not a valid regular expression: "
    )
    assert problems[(11, "endpoints.disbursements.fields.bankCode")].message == (
        "a field with a pattern needs a 'rule' that says it in words"
    )
    text = str(raised.value)
    assert f"{path}:7: endpoints.disbursements.fields.tradeNo.max_lenght: unknown key" in text
    assert f"{path}:11: endpoints.disbursements.fields.bankCode: a field with a pattern" in text


def test_an_unknown_top_level_key_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text("area: typo\ncurency: EUR\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_areas([tmp_path])
    [problem] = raised.value.problems
    assert (problem.source, problem.line, problem.key_path) == (str(path), 2, "curency")


def test_an_area_file_in_an_extra_directory_adds_an_area(tmp_path: Path) -> None:
    (tmp_path / "atlantis.yaml").write_text(
        "area: atlantis\ntitle: Atlantis\ncurrency: ATL\nlocale: en_US\nendpoints:\n"
        "  disbursements:\n    account_field: pearlId\n    fields:\n"
        "      tradeNo: {required: true, max_length: 32}\n"
        "      pearlId: {required: true, pattern: 'P[0-9]{4}', rule: P and 4 digits (e.g. P1234),"
        " example: P1234}\n",
        encoding="utf-8",
    )
    areas = load_areas([tmp_path])
    rules = areas["atlantis"].rules_for("disbursements")
    assert rules is not None
    assert [f.name for f in rules.fields] == ["tradeNo", "pearlId", "timestamp"]
    # The common endpoints come along.
    assert areas["atlantis"].rules_for("queryPayOutResult") is not None
    assert rules.errors(
        {"tradeNo": "T1", "pearlId": "P12", "timestamp": "1764000000000"}, "strict"
    ) == ['pearlId must be P and 4 digits (e.g. P1234); got "P12" (3 characters)']
