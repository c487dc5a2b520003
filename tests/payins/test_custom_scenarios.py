"""Pay-ins under scenarios of the merchant's own: faults, slow answers, submits, queries."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import MERCHANT_NO, signed
from tests.payins.conftest import TIMESTAMP, payin_body
from vexora_sandbox import SandboxConfig, keys
from vexora_sandbox.testing import CallbackReceiver

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Advance = Callable[[float], Awaitable[int]]
SCENARIOS = """
- name: refused-with-a-500-page
  match: {endpoint: [checkout, deposits], body: {amount: {equals: "1111"}}}
  response: {code: "8000", fault: http_500}
- name: refused-slowly
  match: {endpoint: checkout, body: {amount: {equals: "2222"}}}
  response: {code: "8000", msg: "channel closed", delay: 300ms}
- name: slow-answer
  match: {endpoint: [checkout, deposits], body: {amount: {equals: "3333"}}}
  response: {delay: 2s}
  callbacks: [{after: 1s, status: "0000"}]
- name: submit-with-a-bad-trx-id
  match: {endpoint: payinSubmit, body: {trxId: {prefix: BAD}}}
  callbacks: [{after: 5s, status: "00029", message: TRX_ID_NOT_FOUND}]
- name: balance-down
  match: {endpoint: queryBalance, merchantNo: "0000000001"}
  response: {code: "5000"}
- name: query-refused-with-nothing
  match: {endpoint: queryPayInResult, body: {tradeNo: {equals: EMPTY}}}
  response: {code: "8000", fault: empty_body}
"""


@pytest.fixture
def scenario_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "payins.yaml"
    path.write_text(SCENARIOS, "utf-8")
    yield path


@pytest.fixture
def config(scenario_file: Path) -> SandboxConfig:
    return SandboxConfig(scenarios=str(scenario_file))


async def test_a_refusal_with_a_fault_sends_the_fault_and_creates_nothing(
    client: Any, app: web.Application
) -> None:
    response = await client.post(
        "/kenya/v1/vexora/checkout",
        json=signed(payin_body("kenya", amount="1111")),
        headers={"merchantNo": MERCHANT_NO},
    )
    assert (response.status, response.content_type) == (500, "text/html")
    assert not app[keys.STORE].has(MERCHANT_NO, "P20261124000001")


async def test_a_slow_refusal_is_still_a_refusal(gateway: Gateway, app: web.Application) -> None:
    started = time.monotonic()
    _, answer = await gateway("checkout", payin_body("kenya", amount="2222"), prefix="/kenya")
    assert time.monotonic() - started >= 0.3
    assert (answer["code"], answer["msg"]) == ("8000", "channel closed")
    assert not app[keys.STORE].has(MERCHANT_NO, "P20261124000001")


@pytest.mark.parametrize("endpoint", ["checkout", "deposits"])
async def test_a_slow_answer_has_already_created_the_payin(
    gateway: Gateway, app: web.Application, endpoint: str
) -> None:
    body = payin_body("kenya", endpoint, amount="3333")
    call = asyncio.ensure_future(gateway(endpoint, body, prefix="/kenya"))
    for _ in range(1000):  # until the order exists (at most 5 s)
        if app[keys.STORE].has(MERCHANT_NO, "P20261124000001"):
            break
        await asyncio.sleep(0.005)
    assert app[keys.STORE].has(MERCHANT_NO, "P20261124000001")
    assert not call.done(), "the order must exist while its answer is still delayed"
    _, answer = await call
    assert answer["code"] == "0000"


async def test_a_submit_scenario_decides_the_outcome(
    gateway: Gateway, advance: Advance, receiver: CallbackReceiver
) -> None:
    body = payin_body("bangladesh", "deposits", notify_url=receiver.url)
    _, answer = await gateway("deposits", body, prefix="/bangladesh")
    number = answer["data"]["platFormTradeNo"]
    await advance(100)
    _, submitted = await gateway(
        "payinSubmit",
        {"platFormTradeNo": number, "trxId": "BAD-1", "timestamp": TIMESTAMP},
        prefix="/bangladesh",
    )
    assert submitted["data"] is True
    await advance(4.9)
    assert receiver.received == []
    await advance(0.1)
    callback = receiver.wait_for("P20261124000001", timeout=5)
    assert (callback.status, callback.body["message"]) == ("00029", "TRX_ID_NOT_FOUND")


async def test_a_balance_scenario_answers_5000(gateway: Gateway) -> None:
    _, answer = await gateway("queryBalance", {"timestamp": TIMESTAMP})
    assert (answer["code"], answer["success"], answer["data"]) == ("5000", False, None)


async def test_a_query_refused_with_a_fault(client: Any) -> None:
    response = await client.post(
        "/v1/vexora/queryPayInResult",
        json=signed({"tradeNo": "EMPTY", "timestamp": TIMESTAMP}),
        headers={"merchantNo": MERCHANT_NO},
    )
    assert (response.status, await response.read()) == (200, b"")
