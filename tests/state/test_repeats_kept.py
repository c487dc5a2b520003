"""Repeated payments on one order survive a restart (--state) and an export/import, and the
start's ledger check counts them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MERCHANT_NO, signed
from tests.payins.conftest import payin_body
from tests.state.conftest import Client, admin, running
from vexora_sandbox import SandboxConfig
from vexora_sandbox.cli import main

TRADE_NO = "P20261124000001"


async def mexico(client: Client, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(
        f"/mexico/v1/vexora/{endpoint}", json=signed(body), headers={"merchantNo": MERCHANT_NO}
    )
    answer: dict[str, Any] = await response.json()
    assert answer["code"] == "0000", answer
    return answer


async def test_repeats_come_back_after_a_restart(state_file: str) -> None:
    config = SandboxConfig(state=state_file)
    async with running(config) as client:
        await mexico(client, "checkout", payin_body("mexico"))
        await admin(client, "POST", f"transactions/{TRADE_NO}/payments", {})
        await admin(client, "POST", f"transactions/{TRADE_NO}/payments", {"amount": "250"})
        await admin(
            client, "POST", f"transactions/{TRADE_NO}/payments", {"amount": "9", "status": "00029"}
        )
    # The start checks the ledger against the orders: it holds 1000 + 250 collected.
    async with running(config) as client:
        query = {"tradeNo": TRADE_NO, "timestamp": "1764000000000"}
        data = (await mexico(client, "queryPayInResult", query))["data"]
        assert [(p["amount"], p["status"]) for p in data["paymentList"]] == [
            ("1000", "0000"),
            ("250", "0000"),
            ("9", "00029"),
        ]
        money = (await mexico(client, "queryBalance", {"timestamp": "1764000000000"}))["data"]
        assert money["unsettledAmount"] == "1250.00"


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("VEXORA_SANDBOX_"):
            monkeypatch.delenv(name)


async def test_an_export_carries_them_and_an_older_export_without_them_imports(
    tmp_path: Path, clean_environ: None, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(tmp_path / "a.db")
    async with running(SandboxConfig(state=source)) as client:
        await mexico(client, "checkout", payin_body("mexico"))
        await admin(client, "POST", f"transactions/{TRADE_NO}/payments", {})
        await admin(client, "POST", f"transactions/{TRADE_NO}/payments", {"amount": "5"})
    out = tmp_path / "dump.jsonl"
    assert main(["state", "export", str(out), "--state", source]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    order = next(line for line in lines if line["type"] == "order")
    assert [r[:2] for r in order["repeats"]] == [["5", "0000"]]
    # Version 2 wrote no repeats: an order without them, and a ledger without the 5.
    lines[0]["schemaVersion"] = 2
    del order["repeats"]
    ledger = next(line for line in lines if line["type"] == "ledger")
    ledger["unsettled"] = "1000"
    ledger["due"] = ledger["due"][:1]
    old = tmp_path / "old.jsonl"
    old.write_text("".join(json.dumps(line) + "\n" for line in lines))
    target = str(tmp_path / "b.db")
    assert main(["state", "import", str(old), "--state", target]) == 0, capsys.readouterr()
