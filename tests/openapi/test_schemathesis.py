"""Schemathesis against a live sandbox, from the OpenAPI document it serves.

Every operation (every area's gateway routes, unsigned and with a valid sign, and the admin
routes) gets generated requests; every answer must be no server error and agree with the
document: status code, content type, headers, body schema. Slow enough (a few minutes) to
run as its own CI step: set VEXORA_SANDBOX_SCHEMATHESIS=1 (``.ci/run`` does; without it
tests/openapi/conftest.py deselects these tests, so the quick suite neither runs nor
skips them), and
VEXORA_SANDBOX_SCHEMATHESIS_EXAMPLES for the random examples per operation (default 3; the
coverage phase adds its boundary and negative cases to them).
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks

from vexora_sandbox import SandboxConfig, sign
from vexora_sandbox.openapi import document
from vexora_sandbox.protocol.rules import load_areas
from vexora_sandbox.testing import SandboxServer

EXAMPLES = int(os.environ.get("VEXORA_SANDBOX_SCHEMATHESIS_EXAMPLES", "3"))
MERCHANT_NO = "0000000001"
SECRET = "sandbox-secret"
# Where the orders' callbacks go: a closed port of this machine, never a generated host.
LOCAL_NOTIFY = "http://127.0.0.1:9/notify"
# A generated long-poll could hold a call for 300 s; the document allows it, the run cannot.
MAX_WAIT = "0.05"
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]

# Schemathesis turns if/then chains into every combination and gives up on long ones
# (Brazil's Pix keys: five conditions on one field). Past this many conditional rules an
# operation is fuzzed without them: they only narrow the bodies it would generate, and
# tests/openapi/test_document.py checks them with jsonschema.
MAX_CONDITIONALS = 2


def _fuzzable(doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for path, item in doc["paths"].items():
        if path.startswith("/_sandbox"):
            continue
        for content in item["post"]["requestBody"]["content"].values():
            body = content["schema"]
            if len(body.get("allOf", ())) > MAX_CONDITIONALS:
                del body["allOf"]
    return doc


schema = schemathesis.openapi.from_dict(_fuzzable(document(load_areas())))


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    # No scenario files: the shipped ones include deliberate faults (a hanging answer, a
    # broken JSON body) that are the point of the sandbox, not contradictions of the document.
    # The manual clock keeps callbacks from firing on their own.
    with (
        tempfile.TemporaryDirectory() as empty,
        SandboxServer(SandboxConfig(scenarios=empty, clock="manual")) as server,
    ):
        yield server


def _signed(body: dict[str, Any]) -> dict[str, Any] | None:
    """The body with a valid sign, or None when it cannot be signed (not flat)."""
    unsigned = {k: v for k, v in body.items() if k != "sign"}
    if "notifyUrl" in unsigned:
        unsigned["notifyUrl"] = LOCAL_NOTIFY
    try:
        return {**unsigned, "sign": sign(unsigned, SECRET)}
    except TypeError:
        return None


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_agrees_with_the_document(case: Any, sandbox: SandboxServer) -> None:
    path = case.path
    if path.startswith("/_sandbox"):
        if case.query and "wait" in case.query:
            case.query["wait"] = MAX_WAIT
        response = case.call(base_url=sandbox.url, timeout=30)
        case.validate_response(response, checks=CHECKS)
        if path == "/_sandbox/scenarios" and case.method == "POST":
            # A generated runtime scenario may delay or break later answers on purpose.
            sandbox.admin.request("POST", "reset")
        sandbox.raise_errors()
        return
    # The gateway: as generated (a wrong or missing sign, any merchantNo header), then as
    # the configured merchant with a valid sign, which reaches the field rules and beyond.
    response = case.call(base_url=sandbox.url, timeout=30)
    case.validate_response(response, checks=CHECKS)
    body = _signed(case.body) if isinstance(case.body, dict) else None
    if body is not None:
        case.body = body
        case.headers = {**(case.headers or {}), "merchantNo": MERCHANT_NO}
        response = case.call(base_url=sandbox.url, timeout=30)
        case.validate_response(response, checks=CHECKS)
    sandbox.raise_errors()
