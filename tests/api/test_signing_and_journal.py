"""Signing as the docs' Java does it (nulls as ``key=null``, lower-case only in strict mode)
and the request journal keeping each body as it was sent."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, SECRET, TEST_SCENARIOS, payout_body
from vexora_sandbox import SandboxConfig, sign

Client = TestClient[web.Request, web.Application]
PATH = "/v1/vexora/disbursements"


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


async def post_raw(client: Client, raw: str, **headers: str) -> tuple[ClientResponse, Any]:
    response = await client.post(
        PATH,
        data=raw.encode("utf-8"),
        headers={"merchantNo": MERCHANT_NO, "Content-Type": "application/json", **headers},
    )
    return response, await response.json()


async def journal(client: Client) -> list[dict[str, Any]]:
    answer = await (await client.get("/_sandbox/requests")).json()
    entries: list[dict[str, Any]] = answer["requests"]
    return entries


def java_base(body: dict[str, Any]) -> str:
    """What the intro page's Java hashes: String.valueOf(null) is "null", kept as not empty."""
    parts = []
    for key in sorted(body):
        value = "null" if body[key] is None else str(body[key])
        if value and key != "sign":
            parts.append(f"{key}={value}")
    return "".join(parts)


async def test_a_null_signed_as_key_null_is_accepted_and_journaled(client: Client) -> None:
    body = payout_body(remark=None)
    base = java_base(body)
    assert "remark=null" in base
    raw = json.dumps({**body, "sign": md5(base + SECRET)})
    _, answer = await post_raw(client, raw)
    assert (answer["code"], answer["msg"]) == ("0000", "success")
    assert (await journal(client))[-1]["signMatched"] == "nulls signed as key=null"


async def test_a_null_skipped_is_accepted_and_journaled(client: Client) -> None:
    body = payout_body(remark=None)
    raw = json.dumps({**body, "sign": sign(body, SECRET)})
    _, answer = await post_raw(client, raw)
    assert answer["code"] == "0000", answer
    assert (await journal(client))[-1]["signMatched"] == "nulls skipped"


async def test_a_wrong_sign_with_a_null_shows_the_skipping_base(client: Client) -> None:
    body = payout_body(remark=None)
    response, answer = await post_raw(client, json.dumps({**body, "sign": "0" * 32}))
    assert answer["msg"].startswith("sign error: sign does not match")
    assert "remark" not in response.headers["X-Sandbox-Sign-Base"]


class TestLenient:
    @pytest.fixture
    def config(self) -> SandboxConfig:
        return SandboxConfig(scenarios=TEST_SCENARIOS, validation="lenient")

    async def test_an_upper_case_sign_is_accepted_and_journaled(self, client: Client) -> None:
        body = payout_body()
        raw = json.dumps({**body, "sign": sign(body, SECRET).upper()})
        _, answer = await post_raw(client, raw)
        assert (answer["code"], answer["msg"]) == ("0000", "success")
        entry = (await journal(client))[-1]
        assert entry["signMatched"] == "nulls skipped, upper-case accepted (lenient)"


# --- the journal keeps the body as sent ------------------------------------------------


async def test_the_journal_keeps_the_text_and_the_json_types(client: Client) -> None:
    body = payout_body(timestamp=1764000000000, amount="250.00")
    fields = {**body, "sign": sign(body, SECRET)}
    raw = json.dumps(fields).replace('"amount": "250.00"', '"amount": 250.00')
    _, answer = await post_raw(client, raw)
    assert answer["code"] == "0000", answer
    entry = (await journal(client))[-1]
    assert entry["bodyText"] == raw
    assert entry["body"]["timestamp"] == 1764000000000
    # The typed copy shows a number as a number; bodyText keeps its literal "250.00".
    assert entry["body"]["amount"] == 250.0
    assert entry["body"]["tradeNo"] == "T20261124000001"


async def test_a_call_refused_before_its_body_is_read_still_journals_it(
    client: Client,
) -> None:
    raw = json.dumps({**payout_body(), "sign": "x"})
    response = await client.post(PATH, data=raw, headers={"Content-Type": "application/json"})
    assert (await response.json())["msg"] == "the merchantNo header is missing"
    entry = (await journal(client))[-1]
    assert entry["bodyText"] == raw
    assert entry["body"]["timestamp"] == "1764000000000"


@pytest.mark.parametrize(
    ("raw", "typed"),
    [
        ('{"a": {"b": 1}}', None),  # not flat: only its text
        ("[1, 2]", None),
        ('{"a": 1, "b": true, "c": null}', {"a": 1, "b": True, "c": None}),
        ("not json", None),
        ('{"a": "\\ud800"}', {"a": "\\ud800"}),  # a lone surrogate, shown escaped
        ('{"a": 1e400}', {"a": "1e400"}),  # no finite float: its text
    ],
)
async def test_refused_bodies_are_journaled_as_far_as_they_parse(
    client: Client, raw: str, typed: Any
) -> None:
    _, answer = await post_raw(client, raw)
    assert answer["code"] == "8000"
    entry = (await journal(client))[-1]
    assert (entry["bodyText"], entry["body"]) == (raw, typed)


async def test_the_sign_base_header_is_ascii_and_the_journal_exact(client: Client) -> None:
    body = payout_body(lastname="Nguyễn 🙂", remark="a\\b")
    response, _ = await post_raw(client, json.dumps({**body, "sign": "0" * 32}))
    header = response.headers["X-Sandbox-Sign-Base"]
    assert header.isascii()
    assert "lastname=Nguy\\u1ec5n \\U0001f642" in header
    assert "remark=a\\\\b" in header
    entry = (await journal(client))[-1]
    assert "lastname=Nguyễn 🙂" in entry["signBase"]
    assert "remark=a\\b" in entry["signBase"]
