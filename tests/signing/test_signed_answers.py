"""The sign_answers setting: a sign on every answer to a known merchant, checked here with
an independent implementation of the rule docs/protocol.md "Signed answers" states."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, SECRET, TEST_SCENARIOS, payout_body, signed
from vexora_sandbox import SandboxConfig

Client = TestClient[web.Request, web.Application]
SIGNING = [SandboxConfig(scenarios=TEST_SCENARIOS, sign_answers=True)]


def documented_sign(raw: str, secret: str) -> str:
    """The rule as docs/protocol.md words it, from the answer's JSON text."""
    answer = json.loads(raw, parse_float=Decimal)
    flat = {k: v for k, v in answer.items() if k not in ("sign", "data")}
    data = answer.get("data")
    if isinstance(data, dict):
        flat.update(data)
    elif data is not None:
        flat["data"] = data
    parts = []
    for name in sorted(flat):
        value = flat[name]
        if value is None or value == "" or isinstance(value, list | dict):
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, Decimal):
            text = format(value.normalize(), "f") if value else "0"
        else:
            text = str(value)
        parts.append(f"{name}={text}")
    return hashlib.md5(("".join(parts) + secret).encode("utf-8")).hexdigest()


def js_string(value: Any) -> str:
    """JavaScript's String(value) for what JSON.parse gives."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


async def post(client: Client, path: str, body: dict[str, Any], **headers: str) -> str:
    response = await client.post(
        path, json=signed(body), headers={"merchantNo": MERCHANT_NO, **headers}
    )
    return await response.text()


async def test_answers_carry_no_sign_by_default(client: Client) -> None:
    raw = await post(client, "/v1/vexora/disbursements", payout_body())
    assert "sign" not in json.loads(raw)


@pytest.mark.parametrize("config", SIGNING)
async def test_a_payout_answer_is_signed_over_the_envelope_and_data(client: Client) -> None:
    raw = await post(client, "/v1/vexora/disbursements", payout_body())
    answer = json.loads(raw)
    assert list(answer) == ["msg", "code", "timestamp", "success", "sign", "data"]
    assert answer["code"] == "0000"
    assert answer["sign"] == documented_sign(raw, SECRET)
    # Anything changed in data no longer matches.
    tampered = raw.replace('"status":"0015"', '"status":"0000"')
    assert tampered != raw
    assert answer["sign"] != documented_sign(tampered, SECRET)


@pytest.mark.parametrize("config", SIGNING)
async def test_json_numbers_are_signed_without_trailing_zeros(client: Client) -> None:
    raw = await post(client, "/thailand/v1/vexora/queryBalance", {"timestamp": "1764000000000"})
    answer = json.loads(raw)
    # The Thailand balance page types the amounts as JSON numbers with 4 decimals.
    assert '"unsettledAmount":0.0000' in raw
    assert answer["sign"] == documented_sign(raw, SECRET)
    # A client that parses JSON into floats gets the same text back for each number, as
    # JavaScript's String(n) writes it (String(100000000) is "100000000", String(0) "0").
    floats = json.loads(raw)
    flat = {k: v for k, v in floats.items() if k not in ("sign", "data")} | floats["data"]
    text = "".join(f"{k}={js_string(v)}" for k, v in sorted(flat.items()))
    assert hashlib.md5((text + SECRET).encode()).hexdigest() == answer["sign"]


@pytest.mark.parametrize("config", SIGNING)
async def test_a_refusal_is_signed_an_unknown_merchant_is_not(client: Client) -> None:
    raw = await post(client, "/v1/vexora/disbursements", payout_body(amount="abc"))
    answer = json.loads(raw)
    assert (answer["code"], answer["data"]) == ("8000", None)
    assert answer["sign"] == documented_sign(raw, SECRET)
    raw = await post(client, "/v1/vexora/disbursements", payout_body(), merchantNo="0000000099")
    assert "sign" not in json.loads(raw)


@pytest.mark.parametrize("config", SIGNING)
async def test_the_cli_verifies_a_signed_answer(client: Client, tmp_path: Path) -> None:
    raw = await post(client, "/thailand/v1/vexora/queryBalance", {"timestamp": "1764000000000"})
    saved = tmp_path / "answer.json"
    saved.write_text(raw, encoding="utf-8")
    command = [sys.executable, "-m", "vexora_sandbox", "verify", "--answer"]
    good = subprocess.run(
        [*command, "--secret", SECRET, str(saved)], capture_output=True, text=True, timeout=60
    )
    assert (good.returncode, good.stdout.split(":")[0]) == (0, "valid"), good
    bad = subprocess.run(
        [*command, "--secret", "other", str(saved)], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 1
    assert bad.stdout.startswith("invalid: the sign does not match this answer and secret")
    assert "  canonical: availableAmount=" in bad.stdout
