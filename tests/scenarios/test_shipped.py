"""Each shipped payout scenario does what its description says.

One row per scenario (the ending of the beneficiary account -> the outcome): the answer,
whether the order exists, and the callbacks that reach the merchant, each at its time on
the manual clock, with its status, message and sign.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, SECRET, START, payout_body, signed
from vexora_sandbox import SandboxConfig, create_app, keys, verify
from vexora_sandbox.domain.clock import ManualClock
from vexora_sandbox.scenarios.loader import load_scenarios
from vexora_sandbox.scenarios.registry import shipped_scenarios
from vexora_sandbox.testing import CallbackReceiver

Client = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[Client]]
NOW_MS = int(START * 1000)
SHIPPED = load_scenarios(shipped_scenarios())
PAYOUT_SCENARIOS = [s for s in SHIPPED.scenarios if "disbursements" in s.match.endpoints]


@dataclass(frozen=True)
class Callback:
    after: float
    status: str
    message: str
    sign: str = "valid"  # valid | invalid | missing


@dataclass(frozen=True)
class Row:
    scenario: str
    account: str
    code: str = "0000"
    msg: str = "success"
    http_500: bool = False
    created: bool = True
    status: str = "0015"  # the status in the answer
    callbacks: tuple[Callback, ...] = ()
    final: str | None = None  # the order's status once every callback was sent
    extra: dict[str, Any] = field(default_factory=dict)


SUCCESS_AT_2 = (Callback(2, "0000", "SUCCESS"),)


def failure(scenario: str, ending: str, status: str, message: str) -> Row:
    return Row(scenario, f"8801234{ending}", callbacks=(Callback(3, status, message),))


ROWS = [
    Row("default", "880123456789012345", callbacks=SUCCESS_AT_2),
    Row("payout-stays-processing", "8801234990015"),
    Row(
        "payout-answer-5000",
        "8801234995000",
        code="5000",
        msg="system exception, please try again later",
        callbacks=SUCCESS_AT_2,
    ),
    Row(
        "payout-answer-8000",
        "8801234998000",
        code="8000",
        msg="request failed: the beneficiary account is blocked",
        created=False,
    ),
    Row("payout-http-500", "8801234990500", http_500=True, callbacks=SUCCESS_AT_2),
    Row("payout-slow-answer", "8801234990012", callbacks=(Callback(14, "0000", "SUCCESS"),)),
    failure("payout-rejected", "990029", "00029", "REJECTED_TRANSACTION"),
    failure("payout-insufficient-funds", "996019", "60019", "INSUFFICIENT_FUNDS"),
    failure("payout-payee-max-balance", "996030", "60030", "PAYEE_MAXIMUM_BALANCE_EXCEEDED"),
    failure(
        "payout-daily-amount-reached", "991019", "0100019", "PAYEE_DAILY_CUMULATIVE_AMT_REACHED"
    ),
    failure(
        "payout-daily-count-reached", "991007", "0100007", "PAYEE_DAILY_CUMULATIVE_COUNT_REACHED"
    ),
    failure(
        "payout-monthly-count-reached",
        "991023",
        "0100023",
        "PAYEE_MONTHLY_CUMULATIVE_COUNT_REACHED",
    ),
    failure("payout-duplicate-reference", "991024", "0100024", "DUPLICATE_REFERENCE_NUMBER_LEVEL2"),
    failure("payout-amount-not-numeric", "990028", "00028", "AMOUNT_NOT_NUMERIC"),
    failure("payout-unknown-error", "990032", "00032", "UNKNOWN_ERROR"),
    Row(
        "callback-twice",
        "8801234990002",
        callbacks=(Callback(2, "0000", "SUCCESS"), Callback(2, "0000", "SUCCESS")),
    ),
    Row(
        "callback-stale-after-final",
        "8801234990016",
        callbacks=(Callback(2, "0000", "SUCCESS"), Callback(4, "0015", "Processing")),
        final="0000",
    ),
    Row(
        "callback-wrong-sign",
        "8801234990401",
        callbacks=(Callback(2, "0000", "SUCCESS", sign="invalid"),),
    ),
    Row(
        "callback-no-sign",
        "8801234990400",
        callbacks=(Callback(2, "0000", "SUCCESS", sign="missing"),),
    ),
]


def test_every_shipped_payout_scenario_has_a_row() -> None:
    assert sorted(s.name for s in PAYOUT_SCENARIOS) == sorted(
        r.scenario for r in ROWS if r.scenario != "default"
    )


README = Path(__file__).parents[2] / "README.md"


def readme_table() -> dict[str, str]:
    """The README's table of shipped payout scenarios: account ending -> what happens."""
    text = README.read_text("utf-8")
    table = text.split("| account ends in | what happens |\n|---|---|\n", 1)[1]
    rows: dict[str, str] = {}
    for line in table.split("\n\n", 1)[0].splitlines():
        ending, what = (cell.strip() for cell in line.strip("|").split("|", 1))
        rows[ending.strip("`")] = what
    return rows


def test_the_readme_table_has_a_line_for_each_row() -> None:
    endings = {r.account[-6:] for r in ROWS if r.scenario != "default"}
    assert set(readme_table()) == endings | {"anything else"}


@pytest.mark.parametrize("ending", sorted(readme_table()))
def test_the_readme_table_says_what_the_row_checks(ending: str) -> None:
    what = readme_table()[ending]
    (row,) = [
        r
        for r in ROWS
        if (r.scenario == "default" if ending == "anything else" else r.account.endswith(ending))
    ]
    statuses = {row.code, row.status} | {c.status for c in row.callbacks}
    assert set(re.findall(r"`(\d{4,7})`", what)) <= statuses, what
    messages = set(re.findall(r"\b[A-Z][A-Z0-9_]{3,}\b", what)) - {"HTTP", "HTML"}
    assert messages <= {c.message for c in row.callbacks}, what
    assert row.http_500 is ("HTTP 500" in what)
    assert (row.callbacks == ()) is ("no callback" in what or "no order" in what)
    assert (row.created is False) is ("no order is created" in what)
    if (after := re.search(r"callback after (\d+) s", what)) is not None:
        assert row.callbacks[0].after == float(after[1])
    if "twice" in what:
        assert [c.status for c in row.callbacks] == ["0000", "0000"]


def test_the_slow_answer_is_past_a_10_second_timeout() -> None:
    (slow,) = [s for s in SHIPPED.scenarios if s.name == "payout-slow-answer"]
    assert slow.response.delay == 12.0
    assert [c.after for c in slow.callbacks] == [14.0]


@pytest.fixture
def scenarios_copy(tmp_path: Path) -> Path:
    """The shipped set with the 12-second answer cut to 2 s (the rest unchanged)."""
    copy = tmp_path / "scenarios"
    shutil.copytree(shipped_scenarios(), copy)
    answers = copy / "payout-answers.yaml"
    text = answers.read_text("utf-8")
    assert text.count("delay: 12s") == 1
    answers.write_text(text.replace("delay: 12s", "delay: 2s"), "utf-8")
    return copy


async def post(client: Client, body: dict[str, Any]) -> tuple[int, str, str]:
    response = await client.post(
        "/v1/vexora/disbursements", json=signed(body), headers={"merchantNo": MERCHANT_NO}
    )
    return response.status, response.content_type, await response.text()


@pytest.mark.parametrize("row", ROWS, ids=[r.scenario for r in ROWS])
async def test_the_shipped_scenario(
    row: Row,
    scenarios_copy: Path,
    receiver: CallbackReceiver,
    aiohttp_client: AiohttpClient,
) -> None:
    clock = ManualClock(START)
    app = create_app(SandboxConfig(scenarios=str(scenarios_copy)), clock=clock)
    client = await aiohttp_client(app)
    body = payout_body(accountNo=row.account, notifyUrl=receiver.url)

    started = time.monotonic()
    status, content_type, text = await post(client, body)
    elapsed = time.monotonic() - started

    # The answer.
    if row.http_500:
        assert (status, content_type) == (500, "text/html")
        assert text.startswith("<!DOCTYPE html>") and "500 Internal Server Error" in text
    else:
        answer = json.loads(text)
        assert (status, answer["code"], answer["msg"]) == (200, row.code, row.msg)
        assert answer["success"] is (row.code == "0000")
        if row.code == "0000":
            assert answer["data"]["status"] == row.status
        else:
            assert answer["data"] is None
    # Bounds far apart: the delay is a floor, and a busy 2-core machine may take most of a
    # second to answer a payout, but never the 2 s of the delayed answer.
    if row.scenario == "payout-slow-answer":
        assert elapsed >= 2.0
    else:
        assert elapsed < 1.5
    journal = app[keys.REQUESTS]
    assert [e["scenario"] for e in journal][-1] == row.scenario

    # Whether the order exists: the merchant's query and the admin API agree.
    query = await client.post(
        "/v1/vexora/queryPayOutResult",
        json=signed({"tradeNo": body["tradeNo"], "timestamp": "1764000000000"}),
        headers={"merchantNo": MERCHANT_NO},
    )
    queried = await query.json()
    admin = await client.get(f"/_sandbox/transactions/{body['tradeNo']}")
    if row.created:
        assert (queried["code"], queried["data"]["status"]) == ("0000", row.status)
        assert admin.status == 200
    else:
        assert (queried["code"], queried["msg"]) == (
            "8000",
            f"order {body['tradeNo']} does not exist",
        )
        assert admin.status == 404

    # The callbacks, each at its time and not a moment before.
    dispatcher = app[keys.DISPATCHER]
    elapsed_business = 0.0
    for index, expected in enumerate(row.callbacks):
        if expected.after > elapsed_business:
            await dispatcher.advance(expected.after - elapsed_business - 0.001)
            assert len(receiver.received) == index
            await dispatcher.advance(0.001)
            elapsed_business = expected.after
        await receiver.await_for(body["tradeNo"], timeout=2, count=index + 1)
    await dispatcher.advance(86400 * 2)  # nothing else comes, ever (every callback was acked)
    received = receiver.matching(body["tradeNo"])
    assert [(r.status, r.body["message"]) for r in received] == [
        (c.status, c.message) for c in row.callbacks
    ]
    for got, expected in zip(received, row.callbacks, strict=True):
        assert got.body["timestamp"] == str(NOW_MS + int(expected.after * 1000))
        if expected.sign == "valid":
            assert got.sign_valid is True
        elif expected.sign == "invalid":
            assert "sign" in got.body
            assert got.sign_valid is False
            assert not verify(got.body, SECRET)
        else:
            assert "sign" not in got.body

    # Where the order ends.
    if row.created:
        final = row.final or (row.callbacks[-1].status if row.callbacks else row.status)
        order = app[keys.STORE].order(MERCHANT_NO, body["tradeNo"])
        assert order.status == final
    else:
        assert not app[keys.STORE].has(MERCHANT_NO, body["tradeNo"])
