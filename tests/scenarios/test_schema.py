"""vexora_sandbox/scenarios/schema.json says what the loader says.

Every shipped file validates; every broken file the loader tests refuse (tests/scenarios/
test_loader.py BROKEN) is refused by the schema too, and valid files pass both.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.scenarios.test_loader import BROKEN
from vexora_sandbox.errors import ConfigError
from vexora_sandbox.scenarios.loader import parse_scenarios
from vexora_sandbox.scenarios.registry import shipped_scenarios

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "vexora_sandbox" / "scenarios" / "schema.json"
SHIPPED = sorted(shipped_scenarios().glob("*.yaml"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def errors(validator: jsonschema.Draft202012Validator, text: str) -> list[str]:
    """Every message, those under a oneOf's "not valid under any" included."""
    data: Any = yaml.safe_load(textwrap.dedent(text))
    found: list[str] = []
    pending = list(validator.iter_errors(data))
    while pending:
        error = pending.pop(0)
        found.append(error.message)
        pending.extend(error.context or [])
    return found


def test_the_schema_is_draft_2020_12_and_sits_beside_the_loader() -> None:
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA_PATH.parent.name == "scenarios"


def test_there_are_shipped_files() -> None:
    names = {p.name for p in SHIPPED}
    assert {"callback-quirks.yaml", "payout-answers.yaml", "payout-failures.yaml"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_file_validates(
    validator: jsonschema.Draft202012Validator, path: Path
) -> None:
    assert errors(validator, path.read_text("utf-8")) == []


SCHEMA_CANNOT_SEE = {"invalid YAML"}  # not a document at all


@pytest.mark.parametrize(
    "text",
    [b[1] for b in BROKEN if b[0] not in SCHEMA_CANNOT_SEE],
    ids=[b[0] for b in BROKEN if b[0] not in SCHEMA_CANNOT_SEE],
)
def test_what_the_loader_refuses_the_schema_refuses(
    validator: jsonschema.Draft202012Validator, text: str
) -> None:
    with pytest.raises(ConfigError):
        parse_scenarios(textwrap.dedent(text), "s.yaml")
    assert errors(validator, text) != []


VALID = {
    "every key": """
        - name: everything
          description: Every key at once.
          priority: -3
          match:
            endpoint: [disbursements, queryPayOutResult]
            merchantNo: ["0000000001"]
            area: indonesia
            account: {suffix: "990029"}
            body:
              amount: {gte: 100, lte: "5000.50"}
              remark: {exists: true}
              mobile: {regex: '^08', prefix: "08", in: ["081", 81, 8.1, true]}
              email: x@example.com
              count: 3
              flag: false
          response:
            code: "5000"
            msg: busy
            status: "00029"
            message: REJECTED
            delay: 500ms
            fault: empty_body
          callbacks:
            - {after: 3s, status: "0000", message: SUCCESS, amount: "99.50", sign: invalid}
            - {after: 2.5, status: "0015", amount: 10, sign: missing, repeat: 100}
            - {after: 0, status: "0000", message: null, amount: null}
        """,
    "only names": """
        - name: a
        - name: b
        """,
    "null sections": """
        - {name: a, match: null, response: null, callbacks: null}
        - {name: b, match: {body: null}, response: {fault: null, msg: null}}
        """,
    "an empty file": "",
    "single endpoint and area strings": """
        - {name: a, match: {endpoint: checkout, area: brazil, merchantNo: "1"}}
        """,
    "durations": """
        - name: a
          response: {delay: 1h}
          callbacks:
            - {after: 2m, status: "0000"}
            - {after: " 10 s ", status: "0000"}
            - {after: "3", status: "0000"}
        """,
}


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_what_the_loader_accepts_the_schema_accepts(
    validator: jsonschema.Draft202012Validator, text: str
) -> None:
    parse_scenarios(textwrap.dedent(text), "s.yaml")
    assert errors(validator, text) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: a", "{'name': 'a'} is not of type 'array', 'null'"),
        ("- {description: x}", "'name' is a required property"),
        (
            "- {name: a, colour: red}",
            "Additional properties are not allowed ('colour' was unexpected)",
        ),
        ("- {name: a, response: {fault: http_502}}", "'http_502' is not one of"),
        ("- {name: a, callbacks: [{after: 1s}]}", "'status' is a required property"),
        ("- {name: a, callbacks: [{after: 1s, status: 0000}]}", "0 is not of type 'string'"),
        ("- {name: a, callbacks: [{after: 3 days, status: '0'}]}", "'3 days' is not valid"),
        ("- {name: a, match: {body: {x: {regex: '('}}}}", "'(' is not a 'regex'"),
    ],
)
def test_the_schema_says_what_is_wrong(
    validator: jsonschema.Draft202012Validator, text: str, message: str
) -> None:
    assert any(e.startswith(message) for e in errors(validator, text)), errors(validator, text)


def test_the_docs_modeline_points_at_the_schema() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text("utf-8")
    assert "# yaml-language-server: $schema=" in docs
    assert "vexora_sandbox/scenarios/schema.json" in docs


def yaml_blocks(markdown: str) -> list[str]:
    blocks: list[str] = []
    lines: list[str] = []
    inside = False
    for line in markdown.splitlines():
        if line.strip() == "```yaml":
            inside, lines = True, []
        elif inside and line.strip() == "```":
            inside = False
            blocks.append("\n".join(lines) + "\n")
        elif inside:
            lines.append(line)
    return blocks


DOC_EXAMPLES = [
    b
    for b in yaml_blocks(
        (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text("utf-8")
    )
    if "- name:" in b
]


def test_the_docs_have_examples() -> None:
    assert len(DOC_EXAMPLES) >= 5


@pytest.mark.parametrize("text", DOC_EXAMPLES, ids=range(len(DOC_EXAMPLES)))
def test_every_example_in_the_docs_loads_and_validates(
    validator: jsonschema.Draft202012Validator, text: str
) -> None:
    assert parse_scenarios(text, "docs.yaml")
    assert errors(validator, text) == []
