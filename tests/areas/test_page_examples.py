"""Each gateway page's own request example passes its endpoint's rules.

The examples live in ``tests/data/page_examples/<area>.yaml``, copied from the pages byte
for byte and parsed as the gateway parses a request body (JSON numbers stay numbers).
Where a page's example contradicts the page's own field table, the file lists the exact
answer the sandbox gives to the example as printed (``page_errors``) and the corrected
fields (``corrected``) that make it pass; ``docs/areas/<area>.md`` says why. Every create
call's corrected example is also sent, signed, to a sandbox and answered ``0000``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from vexora_sandbox import SandboxConfig, create_app, sign
from vexora_sandbox.protocol.jsonbody import Body, JsonNumber, parse_body
from vexora_sandbox.protocol.rules import load_areas

EXAMPLES_DIR = Path(__file__).parent.parent / "data" / "page_examples"
AREAS = load_areas()
MERCHANT_NO = "0000000001"
SECRET = "sandbox-secret"


def load_examples() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(EXAMPLES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["area"] == path.stem
        found += [(path.stem, example) for example in data["examples"]]
    return found


EXAMPLES = load_examples()
IDS = [f"{area}-{example['endpoint']}-{i}" for i, (area, example) in enumerate(EXAMPLES)]


def page_body(example: dict[str, Any]) -> Body:
    return parse_body(example["json"].encode("utf-8"))


@pytest.mark.parametrize(("area", "example"), EXAMPLES, ids=IDS)
def test_the_page_names_its_endpoint_and_the_area_file_names_the_page(
    area: str, example: dict[str, Any]
) -> None:
    assert example["page"].startswith("https://docs.vexora.com/guide/areas/")
    rules = AREAS[area].rules_for(example["endpoint"])
    assert rules is not None, f"{area} has no {example['endpoint']}"


@pytest.mark.parametrize(("area", "example"), EXAMPLES, ids=IDS)
def test_the_example_as_printed_gets_exactly_the_documented_answer(
    area: str, example: dict[str, Any]
) -> None:
    rules = AREAS[area].rules_for(example["endpoint"])
    assert rules is not None
    assert rules.errors(page_body(example), "strict") == example.get("page_errors", [])


@pytest.mark.parametrize(("area", "example"), EXAMPLES, ids=IDS)
def test_the_corrected_example_passes(area: str, example: dict[str, Any]) -> None:
    rules = AREAS[area].rules_for(example["endpoint"])
    assert rules is not None
    body = {**page_body(example), **json_values(example.get("corrected", {}))}
    assert rules.errors(body, "strict") == []
    # Lenient validation accepts the page's example as printed: only types are checked.
    missing = [e for e in example.get("page_errors", []) if "is required but" in e]
    assert rules.errors(page_body(example), "lenient") == missing


def test_every_correction_is_needed() -> None:
    for area, example in EXAMPLES:
        corrected = example.get("corrected", {})
        assert bool(corrected) == bool(example.get("page_errors")), (area, example["page"])
        rules = AREAS[area].rules_for(example["endpoint"])
        assert rules is not None
        errors = rules.errors(page_body(example), "strict")
        for name in corrected:
            # A corrected field was wrong or missing in the example as printed.
            assert any(e.startswith(f"{name} ") for e in errors), (area, name)


def test_every_area_of_the_examples_is_shipped() -> None:
    assert {area for area, _ in EXAMPLES} <= set(AREAS)


CREATE_ENDPOINTS = ("disbursements", "checkout", "deposits")
CREATES = [(area, example) for area, example in EXAMPLES if example["endpoint"] in CREATE_ENDPOINTS]
CREATE_IDS = [f"{area}-{example['endpoint']}-{i}" for i, (area, example) in enumerate(CREATES)]


@pytest.mark.parametrize(("area", "example"), CREATES, ids=CREATE_IDS)
async def test_the_corrected_example_is_accepted_over_http(
    aiohttp_client: Any, area: str, example: dict[str, Any]
) -> None:
    # The pages' "sign" values are placeholders: a merchant signs with their own secret.
    client = await aiohttp_client(create_app(SandboxConfig()))
    body = {**page_body(example), **json_values(example.get("corrected", {}))}
    body.pop("sign", None)
    body["sign"] = sign(body, SECRET)
    raw = "{" + ",".join(f"{json.dumps(k)}:{_literal(v)}" for k, v in body.items()) + "}"
    response = await client.post(
        f"/{area}/v1/vexora/{example['endpoint']}",
        data=raw.encode("utf-8"),
        headers={"merchantNo": MERCHANT_NO, "Content-Type": "application/json"},
    )
    assert response.status == 200
    answer = await response.json()
    assert (answer["code"], answer["msg"], answer["success"]) == ("0000", "success", True)
    assert answer["data"]["tradeNo"] == body["tradeNo"]


def json_values(fields: dict[str, Any]) -> Body:
    """Corrected fields as the gateway parses them: a YAML integer is a JSON number."""
    return {
        k: JsonNumber(str(v)) if isinstance(v, int) and not isinstance(v, bool) else v
        for k, v in fields.items()
    }


def _literal(value: Any) -> str:
    """A body value as JSON text, numbers as their literal digits."""
    return str(value) if isinstance(value, JsonNumber) else json.dumps(value, ensure_ascii=False)
