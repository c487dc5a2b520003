"""The scenario file format, defined once.

The loader takes its keys from here; ``schema.json`` beside this file and the key tables of
docs/scenarios.md are generated from it (``python -m vexora_sandbox.scenarios.format``
writes both), and a test checks that the committed copies are up to date. The loader
stays the authority on what a file means; the schema says the same for editors.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vexora_sandbox.protocol.names import ORDER_ENDPOINTS, Code, Endpoint
from vexora_sandbox.scenarios.model import FAULTS, SIGN_MODES

# What gte/lte accept written as a string.
NUMBER_PATTERN = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
DURATION_PATTERN = r"(?P<n>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>ms|s|m|h)?"
MAX_REPEAT = 100
_FLOAT_MAX = 1.7976931348623157e308


@dataclass(frozen=True)
class Key:
    """One key of a section: its JSON Schema, and its row in the docs' table."""

    name: str
    schema: dict[str, Any]
    takes: str = ""  # the docs' second column (what it takes, or its default)
    effect: str = ""  # the docs' third column
    required: bool = False


def _ref(name: str, **extra: Any) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}", **extra}


def _codes(values: Any) -> str:
    return ", ".join(f"`{v}`" for v in values)


SCENARIO = (
    Key(
        "name",
        {
            "description": "Unique across every loaded file; shown in the request journal.",
            "type": "string",
            "minLength": 1,
        },
        required=True,
    ),
    Key("description", {"type": "string"}),
    Key(
        "priority",
        {
            "description": "Higher first; equal priorities keep file order. Default 0.",
            "type": "integer",
        },
    ),
    Key("match", _ref("match")),
    Key("response", _ref("response")),
    Key(
        "callbacks",
        {
            "description": "Sent to the order's notifyUrl, each 'after' the order was created.",
            "type": ["array", "null"],
            "items": _ref("callback"),
        },
    ),
)

MATCH = (
    Key(
        "endpoint",
        {"oneOf": [_ref("endpoint"), {"type": "array", "minItems": 1, "items": _ref("endpoint")}]},
        takes="a name or a non-empty list: " + _codes(Endpoint),
        effect="the call is to one of them",
    ),
    Key(
        "merchantNo",
        _ref("texts"),
        takes="a quoted string or a non-empty list",
        effect="the `merchantNo` header is one of them",
    ),
    Key(
        "area",
        _ref("texts"),
        takes="a string or a non-empty list",
        effect="the area whose field rules the call used: the URL prefix "
        "(`/indonesia/v1/vexora/...`) or else the merchant's configured area",
    ),
    Key(
        "account",
        _ref(
            "condition",
            description="A condition on the area's account-number field "
            "(accountNo, bankAccountNo, bankNumber...).",
        ),
        takes="a condition",
        effect="on the area's account-number field: `accountNo` (default, chile, peru, "
        "malaysia, australia), `bankAccountNo` (indonesia, nigeria), `bankNumber` (india, "
        "brazil, ...), `walletId` (bangladesh), `customerAccount` (mexico), `mobile` "
        "(kenya); see [areas.md](areas.md). An endpoint without one (pay-ins) has no "
        "account: only `exists: false` holds",
    ),
    Key(
        "body",
        {
            "description": "Field name -> condition on that body field.",
            "type": ["object", "null"],
            "additionalProperties": _ref("condition"),
        },
        takes="a mapping of field name to condition",
        effect="every field's condition holds",
    ),
)

CONDITION = (
    Key(
        "equals",
        _ref("value"),
        takes='`{equals: "0912345678"}` or just `"0912345678"`',
        effect="is exactly that",
    ),
    Key(
        "in",
        {"type": "array", "minItems": 1, "items": _ref("value")},
        takes="`{in: [BKASH, NAGAD]}`",
        effect="is one of them",
    ),
    Key(
        "regex",
        {
            "description": "Python regular expression, searched anywhere in the value "
            "(anchor it with ^ and $).",
            "type": "string",
            "format": "regex",
        },
        takes="`{regex: '^08[0-9]{8,10}$'}`",
        effect="contains a match (Python syntax; a search, so anchor with `^` and `$` for "
        "the whole value)",
    ),
    Key("prefix", _ref("value"), takes='`{prefix: "88"}`', effect="starts with it"),
    Key("suffix", _ref("value"), takes='`{suffix: "990029"}`', effect="ends with it"),
    Key(
        "gte",
        _ref("number"),
        takes="`{gte: 100}`",
        effect="is a number at least that, compared as decimals (`100.00` equals `100`); "
        "text that is no number (`abc`, `NaN`) does not match",
    ),
    Key(
        "lte",
        _ref("number"),
        takes='`{lte: "5000.50"}`',
        effect="is a number at most that, compared as decimals",
    ),
    Key(
        "exists",
        {"type": "boolean"},
        takes="`{exists: false}`",
        effect="is present (`true`) or absent (`false`)",
    ),
)

RESPONSE = (
    Key(
        "code",
        {
            "description": "0000 accepted; 5000 system exception (the order is still "
            "created); 8000 refused (no order).",
            "enum": list(Code),
        },
        takes='`"0000"`',
        effect="`0000`: accepted, the order is created. `5000`: the gateway's system "
        "exception, **and the order is still created** (its callbacks follow): a merchant "
        "must not fail it. `8000`: refused, **no order is created** and no callback follows",
    ),
    Key(
        "msg",
        {"type": ["string", "null"]},
        takes="; ".join(
            f"`{code.default_msg}`" + ("" if code is Code.OK else f" for {code}") for code in Code
        ),
        effect="the answer's `msg`",
    ),
    Key(
        "status",
        _ref("status"),
        takes='`"0015"`',
        effect='the order\'s status in the answer; a final status (e.g. `"00029"`) makes '
        "the order final at once, with its ledger effect",
    ),
    Key(
        "message",
        {"type": ["string", "null"]},
        takes="the gateway's text for the status (`Processing`, `SUCCESS`, "
        "`REJECTED_TRANSACTION`, ...; `FAILED` for an unknown one)",
        effect="the status message in the answer and the order",
    ),
    Key(
        "delay",
        _ref("duration", description="Real time before answering (not scaled by time_scale)."),
        takes="`0s`",
        effect="real time before the answer (never scaled by `time_scale`, never moved by the "
        "manual clock): it exists to exercise real HTTP client timeouts. The order is "
        "created first, so a merchant whose client gave up can already query it",
    ),
    Key(
        "fault",
        {
            "description": "Changes only what the merchant receives; 'code' decides whether "
            "the order exists.",
            "enum": [*FAULTS, None],
        },
        takes="none",
        effect="a broken answer: [faults](#faults)",
    ),
)

CALLBACK = (
    Key(
        "after",
        _ref("duration"),
        takes="required",
        effect="when it falls due: a [duration](#durations) after the order was created",
        required=True,
    ),
    Key(
        "status",
        _ref("status"),
        takes="required",
        effect="any status string: `0000` success, `0001` partial (pay-ins), `0015`, "
        "`00029`, or a failure reason (`60019`, ...)",
        required=True,
    ),
    Key(
        "message",
        {"type": ["string", "null"]},
        takes="the gateway's text for the status",
        effect="the callback's `message`",
    ),
    Key(
        "amount",
        {
            "description": "The amount the callback carries (default: the order's).",
            "type": ["string", "number", "null"],
        },
        takes="the order's amount (the paid amount after a partial pay-in)",
        effect="the callback's `amount`, as written (`99.50` stays `99.50`)",
    ),
    Key(
        "sign",
        {"enum": list(SIGN_MODES)},
        takes="`valid`",
        effect="`valid`: signed with the merchant's secret, like the gateway. `invalid`: a "
        "`sign` made with another secret (the merchant must reject it). `missing`: no "
        "`sign` field at all",
    ),
    Key(
        "repeat",
        {"type": "integer", "minimum": 1, "maximum": MAX_REPEAT},
        takes="`1`",
        effect=f"send it this many times (1-{MAX_REPEAT}), at the same time, as separate "
        "deliveries each with its own retries: the merchant must de-duplicate on "
        "`tradeNo` + `status`",
    ),
)


def names(section: tuple[Key, ...]) -> tuple[str, ...]:
    return tuple(key.name for key in section)


def _object(section: tuple[Key, ...], *, nullable: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": ["object", "null"] if nullable else "object",
        "additionalProperties": False,
    }
    required = [key.name for key in section if key.required]
    if required:
        schema["required"] = required
    schema["properties"] = {key.name: key.schema for key in section}
    return schema


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file."""
    order_endpoints = ", ".join(ORDER_ENDPOINTS)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "vexora-sandbox scenario file",
        "description": "A list of scenarios: what the sandbox answers to a call and which "
        "callbacks follow. Reference: docs/scenarios.md. The loader (vexora-sandbox check) "
        "is the authority; this schema says the same, except that JSON Schema counts 2.0 "
        "as a whole number where the loader wants 2. Generated from "
        "vexora_sandbox/scenarios/format.py.",
        "type": ["array", "null"],
        "items": _ref("scenario"),
        "$defs": {
            "scenario": _object(SCENARIO, nullable=False),
            "match": {
                "description": "Every condition given must hold. Without 'endpoint' a "
                f"scenario matches order creation ({order_endpoints}).",
                **_object(MATCH),
            },
            "endpoint": {"enum": list(Endpoint)},
            "texts": {
                "oneOf": [
                    {"type": "string"},
                    {"type": "array", "minItems": 1, "items": {"type": "string"}},
                ]
            },
            "value": {
                "description": "Compared as the text written in the file: quote values "
                "with leading zeros anyway.",
                "type": ["string", "number", "boolean"],
            },
            "condition": {
                "description": "A bare value (equals) or a mapping of one or more tests, "
                "all of which must hold.",
                "oneOf": [
                    _ref("value"),
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "minProperties": 1,
                        "properties": {key.name: key.schema for key in CONDITION},
                    },
                ],
            },
            "number": {
                "description": "Compared as decimals; a value that is no number does not match.",
                "oneOf": [
                    {"type": "number", "minimum": -_FLOAT_MAX, "maximum": _FLOAT_MAX},
                    {"type": "string", "pattern": rf"^\s*{NUMBER_PATTERN}\s*$"},
                ],
            },
            "duration": {
                "description": "3s, 500ms, 2m, 1h, or a number of seconds.",
                "oneOf": [
                    {"type": "number", "minimum": 0, "maximum": _FLOAT_MAX},
                    {
                        "type": "string",
                        "pattern": "^\\s*" + re.sub(r"\?P<\w+>", "?:", DURATION_PATTERN) + "\\s*$",
                    },
                ],
            },
            "status": {
                "description": "A transaction status, quoted: 0000 success, 0015 in progress, "
                "00029 failed, any other text a failure reason.",
                "type": "string",
            },
            "response": _object(RESPONSE),
            "callback": _object(CALLBACK, nullable=False),
        },
    }


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


# --- the docs' tables ------------------------------------------------------------------

TABLES: dict[str, tuple[tuple[str, str, str], tuple[Key, ...]]] = {
    "match": (("key", "takes", "matches when"), MATCH),
    "condition": (("condition", "example", "holds when the field's text"), CONDITION),
    "response": (("key", "default", "effect"), RESPONSE),
    "callbacks": (("key", "default", "effect"), CALLBACK),
}


def table(name: str) -> str:
    header, section = TABLES[name]
    lines = [f"| {' | '.join(header)} |", "|---|---|---|"]
    lines += [f"| `{key.name}` | {key.takes} | {key.effect} |" for key in section]
    return "\n".join(lines)


def with_tables(doc: str) -> str:
    """``doc`` with each ``<!-- format:NAME -->`` ... ``<!-- /format -->`` block regenerated."""

    def fill(match: re.Match[str]) -> str:
        return f"{match.group(1)}\n{table(match.group(2))}\n{match.group(3)}"

    return re.sub(r"(<!-- format:(\w+) -->)\n.*?\n(<!-- /format -->)", fill, doc, flags=re.DOTALL)


SCHEMA_FILE = Path(__file__).with_name("schema.json")


def main(argv: list[str]) -> int:
    """Write schema.json, and the tables of the scenario guide named in ``argv``."""
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    for name in argv:
        path = Path(name)
        path.write_text(with_tables(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
