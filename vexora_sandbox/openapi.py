"""The OpenAPI 3.1 document of the sandbox, generated from the loaded area rules.

Every area's endpoints become paths (``/<area>/v1/vexora/<endpoint>``; the unprefixed
``/v1/vexora/<endpoint>`` is described with the default area's rules) whose request bodies
are the areas' field rules as JSON Schema; the callbacks are ``webhooks``; the admin API
comes from ``openapi_admin``. The rules are read generically (the fields of ``FieldRule``,
``EndpointRules`` and their conditions), so a rule kind JSON Schema cannot say is described
in words in the field's ``description`` instead of being dropped. docs/openapi.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from vexora_sandbox._version import __version__
from vexora_sandbox.openapi_admin import admin_components, admin_paths
from vexora_sandbox.protocol.names import Code, Endpoint
from vexora_sandbox.protocol.rules import Area, EndpointRules

Schema = dict[str, Any]
DEFAULT_AREA = "default"
SANDBOX_CHOICE = "sandbox choice"
REF = "#/components/schemas/"
# The FieldRule attributes this module turns into JSON Schema; any other attribute with a
# value is described in words.
_KNOWN_RULE_KEYS = {
    "name",
    "required",
    "type",
    "pattern",
    "rule",
    "min_length",
    "max_length",
    "values",
    "decimals",
    "min",
    "max",
    "https_only",
    "example",
}
_AMOUNT_ENDPOINT_DATA: dict[str, str] = {
    Endpoint.DISBURSEMENTS: "PayoutCreated",
    Endpoint.CHECKOUT: "PayinCreated",
    Endpoint.DEPOSITS: "PayinCreated",
    Endpoint.QUERY_PAYOUT: "OrderQueried",
    Endpoint.QUERY_PAYIN: "OrderQueried",
    Endpoint.QUERY_BALANCE: "Balance",
    Endpoint.PAYIN_SUBMIT: "Submitted",
    Endpoint.PAY_IN_SUBMIT: "Submitted",
    Endpoint.KYC_APPLY_FOR: "KycApplied",
}
# The area pages that send an endpoint as a multipart form instead of JSON: Japan's KYC
# application "Content-Type: multipart/form-data" with files
# (https://docs.vexora.com/guide/areas/Japan/kyc/); Australia's is JSON
# (https://docs.vexora.com/guide/areas/Australia/kyc/). The sandbox reads both at this
# endpoint (api.checks), so a form area lists JSON second.
FORM_AREAS: dict[str, frozenset[str]] = {Endpoint.KYC_APPLY_FOR: frozenset({"japan"})}
FORM = "multipart/form-data"


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _anchored(pattern: str) -> str:
    """A rule's pattern must match the whole value (Python's fullmatch)."""
    return f"^(?:{pattern})$"


def _amount_schema(rule: Any, notes: list[str]) -> Schema:
    decimals = int(getattr(rule, "decimals", 0) or 0)
    text = "^[0-9]+$" if decimals == 0 else f"^[0-9]+(\\.[0-9]{{1,{decimals}}})?$"
    number: Schema = {"type": "number", "exclusiveMinimum": 0}
    if decimals == 0:
        number["multipleOf"] = 1
    low, high = getattr(rule, "min", None), getattr(rule, "max", None)
    if low is not None:
        number["minimum"] = _number(low)
        notes.append(f"at least {_plain(low)}")
    if high is not None:
        number["maximum"] = _number(high)
        notes.append(f"at most {_plain(high)}")
    notes.append("a whole number" if decimals == 0 else f"at most {decimals} decimal places")
    # JSON Schema cannot compare the digits of a string with a number: the bounds of the
    # string form are in the description.
    return {"anyOf": [{"type": "string", "pattern": text}, number]}


def field_schema(rule: Any) -> Schema:
    """One field rule as JSON Schema; what the schema cannot say goes in ``description``."""
    notes: list[str] = []
    kind = str(getattr(rule, "type", "string"))
    schema: Schema
    if kind == "amount":
        schema = _amount_schema(rule, notes)
    elif kind == "timestamp":
        # Epoch milliseconds have 13 digits until the year 2286.
        millis: Schema = {"type": "integer", "minimum": 10**12, "maximum": 10**13 - 1}
        schema = {"anyOf": [{"type": "string", "pattern": "^[0-9]{13}$"}, millis]}
        notes.append("epoch milliseconds")
    else:
        schema = {"type": "string"}
        if kind in ("email", "gmail"):
            schema["format"] = "email"
            if kind == "gmail":
                schema["pattern"] = "@[Gg][Mm][Aa][Ii][Ll]\\.[Cc][Oo][Mm]$"
                notes.append("a gmail.com address")
        elif kind == "url":
            schema["format"] = "uri"
            if getattr(rule, "https_only", False):
                schema["pattern"] = "^[Hh][Tt][Tt][Pp][Ss]://"
        elif kind != "string":
            notes.append(f"of type {kind!r} (see the area's docs page)")
    target = schema if "type" in schema else schema["anyOf"][0]
    pattern = getattr(rule, "pattern", None)
    if pattern is not None:
        if "pattern" in target:
            # Two patterns: both must hold.
            schema = {"allOf": [schema, {"pattern": _anchored(pattern.pattern)}]}
        else:
            target["pattern"] = _anchored(pattern.pattern)
    if getattr(rule, "rule", ""):
        notes.append(str(rule.rule))
    if getattr(rule, "min_length", None) is not None:
        target["minLength"] = rule.min_length
    if getattr(rule, "max_length", None) is not None:
        target["maxLength"] = rule.max_length
    if getattr(rule, "values", ()):
        target["enum"] = list(rule.values)
    if getattr(rule, "example", None):
        schema["examples"] = [rule.example]
    notes.extend(_unknown_rule_keys(rule))
    if notes:
        schema["description"] = "; ".join(notes)
    return schema


def _unknown_rule_keys(rule: Any) -> list[str]:
    """Rule attributes this module does not translate, set to something else than their
    default: described in words, so a new rule kind is never silently dropped."""
    if not dataclasses.is_dataclass(rule):
        return []
    found = []
    for f in dataclasses.fields(rule):
        if f.name in _KNOWN_RULE_KEYS:
            continue
        value = getattr(rule, f.name)
        default = f.default if f.default is not dataclasses.MISSING else None
        if value not in (default, None, (), "", False):
            found.append(f"{f.name.replace('_', ' ')}: {value}")
    return found


def _condition_schema(condition: Any) -> tuple[Schema | None, str]:
    """The ``if`` of a conditional rule, or None and its words when JSON Schema cannot say it."""
    name = str(getattr(condition, "field", ""))
    values = tuple(getattr(condition, "values", ()) or ())
    if getattr(condition, "present", False):
        given: Schema = {"not": {"enum": [None, ""]}}
        return {"required": [name], "properties": {name: given}}, f"when {name} is given"
    if values:
        return (
            {"required": [name], "properties": {name: {"enum": list(values)}}},
            f"when {name} is one of {', '.join(values)}",
        )
    for attr, word in (("above", "above"), ("below", "below")):
        bound = getattr(condition, attr, None)
        if bound is not None:
            return None, f"when {name} is {word} {_plain(Decimal(bound))}"
    return None, f"under a condition on {name}"


def _conditionals(rules: EndpointRules) -> tuple[list[Schema], dict[str, list[str]]]:
    """``if``/``then`` schemas for the conditional rules JSON Schema can say, and words
    (per field) for the others."""
    found: list[Schema] = []
    words: dict[str, list[str]] = {}
    conditional: Mapping[str, Any] = getattr(rules, "conditional", None) or {}
    for name, pairs in conditional.items():
        for condition, rule in pairs:
            test, text = _condition_schema(condition)
            then: Schema = {"properties": {name: field_schema(rule)}}
            if getattr(rule, "required", False):
                then["required"] = [name]
            if test is None:
                parts = ["required"] if getattr(rule, "required", False) else []
                if "description" in field_schema(rule):
                    parts.append(field_schema(rule)["description"])
                words.setdefault(name, []).append(f"{text}: {', '.join(parts) or 'a rule'}")
                continue
            found.append({"if": test, "then": then})
    return found, words


def request_schema(rules: EndpointRules) -> Schema:
    """An endpoint's body: its field rules, the sign, the conditional rules."""
    properties: dict[str, Schema] = {}
    required: list[str] = []
    conditionals, words = _conditionals(rules)
    for rule in rules.fields:
        schema = field_schema(rule)
        extra = words.get(rule.name)
        if extra:
            schema["description"] = "; ".join([schema.get("description", ""), *extra]).lstrip("; ")
        properties[rule.name] = schema
        if rule.required:
            required.append(rule.name)
    properties["sign"] = {"$ref": REF + "Sign"}
    required.append("sign")
    schema = {"type": "object", "properties": properties, "required": required}
    if conditionals:
        schema["allOf"] = conditionals
    return schema


def _operation(prefix: str, area: Area, endpoint: str, rules: EndpointRules) -> Schema:
    where = f"the {area.title} area" if prefix else "the merchant's own area"
    docs = rules.docs or area.docs
    data = _AMOUNT_ENDPOINT_DATA.get(endpoint)
    # An endpoint this module does not know yet: its data is not described, not refused.
    data_schema: Schema = {}
    if data:
        data_schema = {"oneOf": [{"$ref": REF + data}, {"type": "null"}]}
    envelope = {"allOf": [{"$ref": REF + "Envelope"}, {"properties": {"data": data_schema}}]}
    error = {"application/json": {"schema": {"$ref": REF + "Envelope"}}}
    operation: Schema = {
        "operationId": f"{prefix or 'merchant-area'}-{endpoint}",
        "tags": [f"gateway: {prefix}" if prefix else "gateway"],
        "summary": f"{endpoint} ({where})",
        "description": (
            f"The field rules of {where}"
            + (f" ({docs})" if docs else "")
            + ". Signed with the merchant's secret (MD5 of the fields sorted by name, "
            "then the secret). An accepted call answers code 0000; 8000 refuses it, 5000 "
            "is the gateway's system exception."
        ),
        "parameters": [{"$ref": "#/components/parameters/MerchantNo"}],
        "requestBody": {"required": True, "content": _bodies(area, endpoint, rules)},
        "responses": {
            "200": {
                "description": "The envelope: code 0000 (data set), 8000 or 5000 (data null)",
                "headers": {"X-Sandbox-Sign-Base": {"$ref": "#/components/headers/SignBase"}},
                "content": {"application/json": {"schema": envelope}},
            },
            "404": {"description": "An area that does not offer the endpoint", "content": error},
            "405": {"description": "Not a POST", "content": error},
            "413": {"description": "A body over the size limit", "content": error},
        },
    }
    return operation


def _bodies(area: Area, endpoint: str, rules: EndpointRules) -> Schema:
    """The request body's media types: JSON, or the page's multipart form first."""
    schema = request_schema(rules)
    json_body = {"application/json": {"schema": schema}}
    if area.name not in FORM_AREAS.get(endpoint, ()):
        return json_body
    form = {
        **schema,
        "description": "The page's form fields; any file parts besides them are taken, "
        "journaled by name and size, and not signed",
    }
    return {FORM: {"schema": form}, **json_body}


def gateway_paths(areas: Mapping[str, Area], only: str | None = None) -> dict[str, Schema]:
    paths: dict[str, Schema] = {}
    shown = [(p, a) for p, a in areas.items() if not p.startswith("_") and p != "*"]
    if only is not None:
        shown = [(p, a) for p, a in shown if p == only]
    default = areas.get(only or DEFAULT_AREA)
    if default is not None:
        for endpoint, rules in default.endpoints.items():
            if endpoint != "*":
                paths[f"/v1/vexora/{endpoint}"] = {"post": _operation("", default, endpoint, rules)}
    for prefix, area in shown:
        for endpoint, rules in area.endpoints.items():
            if endpoint != "*":
                operation = _operation(prefix, area, endpoint, rules)
                paths[f"/{prefix}/v1/vexora/{endpoint}"] = {"post": operation}
    return paths


def _strings(*names: str) -> dict[str, Schema]:
    return {name: {"type": "string"} for name in names}


def _callback(kind: str, extra: tuple[str, ...]) -> Schema:
    return {
        "post": {
            "summary": f"The {kind} callback the sandbox POSTs to the order's notifyUrl",
            "description": (
                "Every value is a string (https://docs.vexora.com/guide/areas/ "
                '"Asynchronous notification"); sign is computed like a request\'s, with the '
                "merchant's secret. Answer the text OK to acknowledge; anything else is "
                "retried after 2 s, 5 s, 10 s, 30 s, 1 h, 3 h, 3 h, 3 h."
            ),
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                **_strings(
                                    "platFormTradeNo",
                                    "tradeNo",
                                    "amount",
                                    "status",
                                    "message",
                                    "timestamp",
                                    "successTime",
                                    "remark",
                                    *extra,
                                ),
                                "sign": {"$ref": REF + "Sign"},
                            },
                            "required": [
                                "platFormTradeNo",
                                "tradeNo",
                                "amount",
                                "status",
                                "message",
                                "timestamp",
                                "sign",
                            ],
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "OK acknowledges the callback",
                    "content": {"text/plain": {"schema": {"type": "string", "examples": ["OK"]}}},
                }
            },
        }
    }


def _gateway_components() -> dict[str, Schema]:
    fields = _strings("tradeNo", "platFormTradeNo", "status")
    order: Schema = {"type": "object", "properties": fields}
    return {
        "Sign": {
            "type": "string",
            "pattern": "^[0-9a-fA-F]{32}$",
            "description": "MD5 (hex) of key=value of every non-empty field but sign, sorted "
            "by name and concatenated, followed by the merchant's secret",
        },
        "Envelope": {
            "type": "object",
            "required": ["msg", "code", "timestamp", "success", "data"],
            "properties": {
                "msg": {"type": "string"},
                "code": {"type": "string", "enum": [c.value for c in Code]},
                "timestamp": {"type": "integer"},
                "success": {"type": "boolean"},
                "sign": {
                    "type": "string",
                    "description": "only with the sign_answers setting (sandbox choice): "
                    "docs/protocol.md, Signed answers",
                },
                "data": {},
            },
        },
        "PayoutCreated": order,
        "PayinCreated": {
            **order,
            "properties": {**fields, **_strings("paymentUrl", "paymentLink")},
        },
        "OrderQueried": {
            **order,
            "properties": {
                **fields,
                **_strings("amount", "message", "receivedAmount"),
                **{name: {"type": ["string", "number"]} for name in ("orderAmount", "payAmount")},
                # Each payment on the order (Mexico), the additional ones (Australia).
                "paymentList": {"type": "array", "items": {"type": "object"}},
                "paymentDetails": {"type": "array", "items": {"type": "object"}},
            },
        },
        "Balance": {
            "type": "object",
            "description": "strings, or numbers where the area's page shows numbers",
            "properties": {
                name: {"type": ["string", "number"]}
                for name in ("availableAmount", "freezeAmount", "unsettledAmount")
            },
        },
        "KycApplied": {
            "type": "object",
            "properties": _strings("authenticationStatus", "authenticationUrl", "kycNumber"),
        },
        "Submitted": {"type": "boolean"},
    }


def document(
    areas: Mapping[str, Area], *, area: str | None = None, server: str | None = None
) -> dict[str, Any]:
    """The OpenAPI 3.1 document: every area (or ``area`` only), the admin API, callbacks.

    KeyError for an unknown ``area``.
    """
    if area is not None and (area not in areas or area.startswith("_")):
        raise KeyError(area)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Vexora sandbox" + (f" ({area})" if area else ""),
            "version": __version__,
            "description": (
                "The Vexora gateway's merchant API as the sandbox serves it, generated from "
                "its area rules (https://docs.vexora.com/guide/areas/), and the sandbox's "
                "admin API under /_sandbox/."
            ),
        },
        "servers": [{"url": server or "http://127.0.0.1:8080"}],
        "paths": {**gateway_paths(areas, area), **admin_paths()},
        "webhooks": {
            "payoutCallback": _callback("payout", ()),
            "payinCallback": _callback("pay-in", ("channelCode", "wayCode")),
        },
        "components": {
            "schemas": {**_gateway_components(), **admin_components()},
            "parameters": {
                "MerchantNo": {
                    "name": "merchantNo",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string", "examples": ["0000000001"]},
                    "description": "The merchant the call is made and signed as",
                }
            },
            "headers": {
                "SignBase": {
                    "description": "On a sign error: the string that was hashed, "
                    "the secret shown as {secret}",
                    "schema": {"type": "string"},
                }
            },
            "securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer"}},
        },
    }
