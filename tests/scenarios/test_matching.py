"""Scenario matching through the gateway: the area's account field, merchantNo, area,
body conditions, queries, and the built-in default when nothing matches."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, SECRET, START, payout_body
from vexora_sandbox import SandboxConfig, create_app, keys, sign
from vexora_sandbox.domain.clock import ManualClock
from vexora_sandbox.domain.store import Merchant
from vexora_sandbox.testing import CallbackReceiver

Client = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[Client]]

SCENARIOS = """\
- name: by-account
  match: {account: {suffix: "4321"}}
  response: {code: "8000", msg: by account}
- name: by-merchant
  match: {merchantNo: "0000000002"}
  response: {code: "8000", msg: by merchant}
- name: by-area
  match: {area: [brazil, indonesia], body: {amount: {gte: 500000}}}
  response: {code: "8000", msg: by area}
- name: by-body
  match: {body: {remark: {regex: "^refuse-"}, amount: {lte: 300}}}
  response: {code: "8000", msg: by body}
- name: not-a-number
  match: {body: {remark: {gte: 5}}}
  response: {code: "8000", msg: remark is a number}
- name: query-down
  match: {endpoint: queryPayOutResult, body: {tradeNo: {prefix: DOWN}}}
  response: {code: "5000", msg: query down}
"""

INDONESIA = {
    "amount": "100000",
    "customerName": "Rizky Pratama",
    "mobile": "081234567890",
    "email": "rizky.pratama@example.com",
    "bankAccountNo": "5464438554636",
    "bankCode": "0002",
    "notifyUrl": "http://127.0.0.1:9/notify",
    "tradeNo": "T1",
    "timestamp": "1764000000000",
}


@pytest.fixture
async def client(tmp_path: Path, aiohttp_client: AiohttpClient) -> Client:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIOS, "utf-8")
    config = SandboxConfig(
        scenarios=str(path),
        validation="lenient",
        merchants=(
            Merchant(MERCHANT_NO, SECRET, "default"),
            Merchant("0000000002", "second-secret", "default"),
        ),
    )
    return await aiohttp_client(create_app(config, clock=ManualClock(START)))


async def call(
    client: Client,
    body: dict[str, Any],
    *,
    endpoint: str = "disbursements",
    prefix: str = "",
    merchant: str = MERCHANT_NO,
    secret: str = SECRET,
) -> tuple[str, str]:
    payload = {**body, "sign": sign(body, secret)}
    response = await client.post(
        f"{prefix}/v1/vexora/{endpoint}", json=payload, headers={"merchantNo": merchant}
    )
    answer = await response.json()
    return answer["code"], answer["msg"]


def journaled(client: Client) -> str:
    journal = client.app[keys.REQUESTS]
    entries = list(journal)
    return str(entries[-1]["scenario"])


async def test_account_is_the_default_areas_account_no(client: Client) -> None:
    assert await call(client, payout_body(accountNo="88004321")) == ("8000", "by account")
    assert journaled(client) == "by-account"


async def test_account_is_indonesias_bank_account_no(client: Client) -> None:
    body = {**INDONESIA, "bankAccountNo": "5464438554321"}
    assert await call(client, body, prefix="/indonesia") == ("8000", "by account")
    # The same ending in a field that is not the area's account field matches nothing.
    body = {**INDONESIA, "accountNo": "4321"}
    assert await call(client, body, prefix="/indonesia") == ("0000", "success")


async def test_merchant_no(client: Client) -> None:
    assert await call(client, payout_body(), merchant="0000000002", secret="second-secret") == (
        "8000",
        "by merchant",
    )
    assert await call(client, payout_body()) == ("0000", "success")


async def test_area_with_a_body_condition(client: Client) -> None:
    big = {**INDONESIA, "amount": "500000"}
    assert await call(client, big, prefix="/indonesia") == ("8000", "by area")
    assert await call(client, INDONESIA, prefix="/indonesia") == ("0000", "success")
    # The default area is not in the list.
    assert await call(client, payout_body(amount="500000")) == ("0000", "success")


async def test_every_body_condition_must_hold(client: Client) -> None:
    assert await call(client, payout_body(remark="refuse-me", amount="300")) == (
        "8000",
        "by body",
    )
    assert await call(client, payout_body(remark="refuse-me", amount="301")) == (
        "0000",
        "success",
    )


async def test_a_body_value_that_is_no_number_fails_gte_quietly(client: Client) -> None:
    for trade_no, remark in (("T1", "NaN"), ("T2", "sNaN"), ("T3", "abc")):
        assert await call(client, payout_body(tradeNo=trade_no, remark=remark)) == (
            "0000",
            "success",
        )
    assert client.app[keys.ERRORS] == []
    assert await call(client, payout_body(tradeNo="T4", remark="7")) == (
        "8000",
        "remark is a number",
    )


async def test_a_scenario_can_match_a_query(client: Client) -> None:
    await call(client, payout_body(tradeNo="DOWN1"))
    query = {"tradeNo": "DOWN1", "timestamp": "1764000000000"}
    assert await call(client, query, endpoint="queryPayOutResult") == ("5000", "query down")
    await call(client, payout_body(tradeNo="UP1"))
    query = {"tradeNo": "UP1", "timestamp": "1764000000000"}
    assert await call(client, query, endpoint="queryPayOutResult") == ("0000", "success")


async def test_nothing_matching_is_accepted_then_succeeds_after_2_seconds(
    tmp_path: Path, aiohttp_client: AiohttpClient, receiver: CallbackReceiver
) -> None:
    empty = tmp_path / "none.yaml"
    empty.write_text("[]\n", "utf-8")
    app = create_app(SandboxConfig(scenarios=str(empty)), clock=ManualClock(START))
    client = await aiohttp_client(app)
    payload = payout_body(notifyUrl=receiver.url)
    response = await client.post(
        "/v1/vexora/disbursements",
        json={**payload, "sign": sign(payload, SECRET)},
        headers={"merchantNo": MERCHANT_NO},
    )
    answer = await response.json()
    assert (answer["code"], answer["data"]["status"], answer["data"]["message"]) == (
        "0000",
        "0015",
        "Processing",
    )
    assert journaled(client) == "default"
    await app[keys.DISPATCHER].advance(1.999)
    assert receiver.received == []
    await app[keys.DISPATCHER].advance(0.001)
    callback = await receiver.await_for(payload["tradeNo"], timeout=2)
    assert (callback.status, callback.body["message"], callback.sign_valid) == (
        "0000",
        "SUCCESS",
        True,
    )
