"""The OpenAPI document: valid, generated from the area rules, served and printed alike."""

from __future__ import annotations

import dataclasses
import json
import re
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import validate

from tests.conftest import Client, payout_body, signed
from vexora_sandbox import cli
from vexora_sandbox.openapi import document, field_schema, request_schema
from vexora_sandbox.protocol.rules import EndpointRules, FieldRule, load_areas

AREAS = load_areas()
FULL = document(AREAS)


def body_schema(doc: dict[str, Any], path: str) -> dict[str, Any]:
    schema: dict[str, Any] = doc["paths"][path]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]
    return schema


def resolving(doc: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """A validator for ``schema`` that resolves the document's #/components references."""
    root = {**schema, "components": doc["components"]}
    return jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())


def test_the_document_is_valid_openapi_3_1() -> None:
    assert FULL["openapi"] == "3.1.0"
    validate(FULL)


@pytest.mark.parametrize("area", sorted(a for a in AREAS if not a.startswith("_")))
def test_each_areas_document_is_valid_and_has_its_endpoints(area: str) -> None:
    doc = document(AREAS, area=area)
    validate(doc)
    gateway = sorted(p for p in doc["paths"] if not p.startswith("/_sandbox"))
    expected = [f"/{area}/v1/vexora/{e}" for e in AREAS[area].endpoints if e != "*"]
    expected += [f"/v1/vexora/{e}" for e in AREAS[area].endpoints if e != "*"]
    assert gateway == sorted(expected)


def test_required_fields_follow_the_area_rules() -> None:
    for prefix, area in AREAS.items():
        if prefix.startswith("_"):
            continue
        for endpoint, rules in area.endpoints.items():
            if endpoint == "*":
                continue
            schema = body_schema(FULL, f"/{prefix}/v1/vexora/{endpoint}")
            required = [f.name for f in rules.fields if f.required]
            assert schema["required"] == [*required, "sign"], (prefix, endpoint)
            assert set(schema["properties"]) == {f.name for f in rules.fields} | {"sign"}


def test_a_valid_payout_conforms_and_a_broken_one_does_not() -> None:
    validator = resolving(FULL, body_schema(FULL, "/default/v1/vexora/disbursements"))
    good = signed(payout_body())
    assert list(validator.iter_errors(good)) == []
    messages = {e.message for e in validator.iter_errors({**good, "mobile": "12345"})}
    assert messages == {"'12345' does not match '^(?:0[0-9]{9})$'"}
    missing = {k: v for k, v in good.items() if k != "email"}
    assert [e.message for e in validator.iter_errors(missing)] == ["'email' is a required property"]
    assert list(validator.iter_errors({**good, "tradeNo": "T" * 33}))


def test_field_rules_become_json_schema() -> None:
    rule = FieldRule(
        "payMethod", required=True, values=("BANK", "WALLET"), max_length=10, example="BANK"
    )
    assert field_schema(rule) == {
        "type": "string",
        "enum": ["BANK", "WALLET"],
        "maxLength": 10,
        "examples": ["BANK"],
    }
    amount = FieldRule("amount", type="amount", decimals=2, min=Decimal("10.5"))
    assert field_schema(amount) == {
        "anyOf": [
            {"type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,2})?$"},
            {"type": "number", "exclusiveMinimum": 0, "minimum": 10.5},
        ],
        "description": "at least 10.5; at most 2 decimal places",
    }
    https = FieldRule("notifyUrl", type="url", https_only=True)
    assert field_schema(https) == {
        "type": "string",
        "format": "uri",
        "pattern": "^[Hh][Tt][Tt][Pp][Ss]://",
    }
    gmail = FieldRule("email", type="gmail")
    assert field_schema(gmail) == {
        "type": "string",
        "format": "email",
        "pattern": "@[Gg][Mm][Aa][Ii][Ll]\\.[Cc][Oo][Mm]$",
        "description": "a gmail.com address",
    }
    stamp = resolving(FULL, field_schema(FieldRule("timestamp", type="timestamp")))
    assert stamp.is_valid("1764000000000") and stamp.is_valid(1764000000000)
    assert not stamp.is_valid("1764000000")  # epoch seconds: the sandbox refuses them too
    digits = FieldRule("accountNo", pattern=re.compile("[0-9]{10}"), rule="10 digits")
    assert field_schema(digits) == {
        "type": "string",
        "pattern": "^(?:[0-9]{10})$",
        "description": "10 digits",
    }


@dataclasses.dataclass(frozen=True)
class FutureRule:
    """A rule with a kind this generator does not know (as the area format grows)."""

    name: str
    required: bool = False
    type: str = "cpf"
    checksum: str = ""


def test_an_unknown_rule_kind_is_described_not_dropped() -> None:
    schema = field_schema(FutureRule("taxId", required=True, checksum="mod11"))
    assert schema == {
        "type": "string",
        "description": "of type 'cpf' (see the area's docs page); checksum: mod11",
    }


@dataclasses.dataclass(frozen=True)
class When:
    field: str
    values: tuple[str, ...] = ()
    above: Decimal | None = None
    present: bool = False


@dataclasses.dataclass(frozen=True)
class Conditional:
    endpoint: str
    fields: tuple[FieldRule, ...]
    conditional: dict[str, tuple[tuple[When, FieldRule], ...]]


def test_conditional_rules_are_if_then_where_json_schema_can_say_them() -> None:
    dni = FieldRule("idNumber", required=True, pattern=re.compile("[0-9]{8}"), rule="8 digits")
    big = FieldRule("idNumber", required=True)
    rules: Any = Conditional(
        "disbursements",
        (FieldRule("idType"), FieldRule("idNumber"), FieldRule("amount", type="amount")),
        {"idNumber": ((When("idType", ("DNI",)), dni), (When("amount", above=Decimal(1000)), big))},
    )
    schema = request_schema(rules)
    assert schema["allOf"] == [
        {
            "if": {"required": ["idType"], "properties": {"idType": {"enum": ["DNI"]}}},
            "then": {
                "properties": {
                    "idNumber": {
                        "type": "string",
                        "pattern": "^(?:[0-9]{8})$",
                        "description": "8 digits",
                    }
                },
                "required": ["idNumber"],
            },
        }
    ]
    assert schema["properties"]["idNumber"]["description"] == (
        "when amount is above 1000: required"
    )
    validator = jsonschema.Draft202012Validator(
        {**schema, "properties": {**schema["properties"], "sign": {}}}
    )
    assert not validator.is_valid({"idType": "DNI", "sign": "x"})
    assert validator.is_valid({"idType": "DNI", "idNumber": "12345678", "sign": "x"})
    assert validator.is_valid({"idType": "PASSPORT", "sign": "x"})


def test_plain_endpoint_rules_have_no_conditionals() -> None:
    rules = EndpointRules("queryBalance", (FieldRule("timestamp", True, "timestamp"),))
    assert "allOf" not in request_schema(rules)


def test_callbacks_are_webhooks_with_string_fields() -> None:
    payout = FULL["webhooks"]["payoutCallback"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]
    assert payout["required"] == [
        "platFormTradeNo",
        "tradeNo",
        "amount",
        "status",
        "message",
        "timestamp",
        "sign",
    ]
    assert all(
        p == {"type": "string"} for name, p in payout["properties"].items() if name != "sign"
    )


async def test_the_sandbox_serves_the_document(client: Client) -> None:
    response = await client.get("/_sandbox/openapi.json")
    assert response.status == 200
    served = await response.json()
    assert served["servers"] == [{"url": str(client.make_url("")).rstrip("/")}]
    assert served["paths"] == json.loads(json.dumps(FULL["paths"]))
    one = await client.get("/_sandbox/openapi.json", params={"area": "kenya"})
    assert "/kenya/v1/vexora/disbursements" in (await one.json())["paths"]
    unknown = await client.get("/_sandbox/openapi.json", params={"area": "atlantis"})
    assert (unknown.status, await unknown.json()) == (404, {"error": "unknown area 'atlantis'"})


def test_the_cli_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["openapi", "--area", "india", "--server", "http://sandbox:8080"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(
        json.dumps(document(AREAS, area="india", server="http://sandbox:8080"))
    )
    assert cli.main(["openapi", "--area", "atlantis"]) == 2
    assert "unknown area 'atlantis'; known areas: " in capsys.readouterr().err


def test_the_envelope_of_a_real_answer_conforms() -> None:
    envelope = FULL["components"]["schemas"]["Envelope"]
    answer = {"msg": "success", "code": "0000", "timestamp": 1, "success": True, "data": None}
    assert jsonschema.Draft202012Validator(envelope).is_valid(answer)
    assert not jsonschema.Draft202012Validator(envelope).is_valid({**answer, "code": "9999"})


def test_each_kyc_application_has_the_media_type_of_its_page() -> None:
    # Japan's kyc page sends a multipart form (files beside the fields); the sandbox also
    # reads JSON there. Australia's kyc page sends JSON only.
    japan = FULL["paths"]["/japan/v1/vexora/kycApplyFor"]["post"]["requestBody"]["content"]
    assert list(japan) == ["multipart/form-data", "application/json"]
    form = japan["multipart/form-data"]["schema"]
    assert form["required"] == ["userId", "callBackUrl", "usernameFurigana", "timestamp", "sign"]
    assert "file parts" in form["description"]
    australia = FULL["paths"]["/australia/v1/vexora/kycApplyFor"]["post"]["requestBody"]
    assert list(australia["content"]) == ["application/json"]
    schema = australia["content"]["application/json"]["schema"]
    assert schema["required"] == ["userId", "callBackUrl", "timestamp", "sign"]
    # Every other gateway operation takes JSON only.
    others = {
        path: list(item["post"]["requestBody"]["content"])
        for path, item in FULL["paths"].items()
        if not path.startswith("/_sandbox") and path != "/japan/v1/vexora/kycApplyFor"
    }
    assert set(map(tuple, others.values())) == {("application/json",)}
