"""``vexora-sandbox state export|import``: JSON lines out of one state file and into another,
checked like a start before anything is written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from vexora_sandbox.cli import main
from vexora_sandbox.testing import SandboxServer


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("VEXORA_SANDBOX_"):
            monkeypatch.delenv(name)


def seeded(path: Path) -> list[dict[str, object]]:
    """Two payouts (one final) in a state file; the transactions as the admin API lists them."""
    with SandboxServer(state=str(path), clock="manual") as sandbox:
        assert sandbox.payout(tradeNo="T1", amount="300")["code"] == "0000"
        sandbox.admin.advance_clock(2)
        assert sandbox.payout(tradeNo="T2", amount="120")["code"] == "0000"
        return sandbox.admin.transactions()


def test_export_then_import_into_a_new_file_keeps_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = seeded(tmp_path / "a.db")
    out = tmp_path / "dump.jsonl"
    assert main(["state", "export", str(out), "--state", str(tmp_path / "a.db")]) == 0
    assert capsys.readouterr().err == f"exported 5 rows from {tmp_path / 'a.db'}\n"
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["type"] for line in lines] == [
        "vexora-sandbox-state",
        "order",
        "order",
        "ledger",
        "delivery",
        "delivery",
    ]
    assert lines[0]["schemaVersion"] == 3
    assert lines[1]["trade_no"] == "T1" and lines[1]["status"] == "0000"
    assert lines[3]["available"] == "99999580" and lines[3]["freeze"] == "120"

    assert main(["state", "import", str(out), "--state", str(tmp_path / "b.db")]) == 0
    assert capsys.readouterr().err == f"imported 2 orders into {tmp_path / 'b.db'}\n"
    with SandboxServer(state=str(tmp_path / "b.db"), clock="manual") as sandbox:
        assert sandbox.admin.transactions() == listed
        assert sandbox.query_payout("T2")["data"]["status"] == "0015"


def test_a_runtime_merchant_goes_with_its_orders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SandboxServer(state=str(tmp_path / "a.db"), clock="manual") as sandbox:
        sandbox.admin.create_merchant(merchantNo="4000000001", secret="s2", balance="900")
        shown = sandbox.admin.request("GET", "merchants/4000000001")
    out = tmp_path / "dump.jsonl"
    assert main(["state", "export", str(out), "--state", str(tmp_path / "a.db")]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[1] == {
        "type": "merchant",
        "merchant_no": "4000000001",
        "secret": "s2",
        "area": "default",
        "balance": "900",
        "notify_url": "",
        "runtime": 1,
    }
    assert main(["state", "import", str(out), "--state", str(tmp_path / "b.db")]) == 0
    capsys.readouterr()
    with SandboxServer(state=str(tmp_path / "b.db"), clock="manual") as sandbox:
        assert sandbox.admin.request("GET", "merchants/4000000001") == shown


def test_an_import_does_not_overwrite_a_state_without_replace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded(tmp_path / "a.db")
    out = tmp_path / "dump.jsonl"
    assert main(["state", "export", str(out), "--state", str(tmp_path / "a.db")]) == 0
    capsys.readouterr()
    assert main(["state", "import", str(out), "--state", str(tmp_path / "a.db")]) == 2
    assert capsys.readouterr().err == (
        f"vexora-sandbox state: state file {tmp_path / 'a.db'} already holds 2 order(s); "
        "import into a new file, or pass --replace to drop them\n"
    )
    assert main(["state", "import", str(out), "--state", str(tmp_path / "a.db"), "--replace"]) == 0


def test_an_import_that_does_not_add_up_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded(tmp_path / "a.db")
    out = tmp_path / "dump.jsonl"
    main(["state", "export", str(out), "--state", str(tmp_path / "a.db")])
    lines = out.read_text().splitlines()
    ledger = json.loads(lines[3])
    ledger["available"] = "99999999"
    lines[3] = json.dumps(ledger)
    out.write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    target = tmp_path / "b.db"
    assert main(["state", "import", str(out), "--state", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"vexora-sandbox: configuration error:\n  {out}: merchant 0000000001 (ARS): available + "
        "frozen + unsettled is 100000119 but the opening balance 100000000 and the final "
        "orders make 99999700"
    ), err
    with SandboxServer(state=str(target)) as sandbox:
        assert sandbox.admin.transactions() == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "{path}: empty; an export starts with a 'vexora-sandbox-state' line"),
        ("[1]\n", "{path}:1: each line must be a JSON object"),
        (
            '{"type": "order"}\n',
            "{path}:1: the first line must be the header (type 'vexora-sandbox-state')",
        ),
        (
            '{"type": "vexora-sandbox-state", "schemaVersion": 9}\n',
            "{path}:1: schemaVersion 9; this sandbox imports 1, 2 or 3: export again with this "
            "version, or import with the version that exported it",
        ),
        (
            '{"type": "vexora-sandbox-state", "schemaVersion": 1}\n{"type": "order"}\n',
            "{path}:2: a order needs the key 'merchant_no'",
        ),
        (
            '{"type": "vexora-sandbox-state", "schemaVersion": 1}\n{"type": "refund"}\n',
            "{path}:2: unknown type 'refund'; expected one of merchant, order, ledger, "
            "delivery, scenario",
        ),
        (
            '{"type": "vexora-sandbox-state", "schemaVersion": 1}\nnope\n',
            "{path}:2: not JSON (Expecting value)",
        ),
    ],
)
def test_a_bad_import_names_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(text)
    assert main(["state", "import", str(path), "--state", str(tmp_path / "s.db")]) == 2
    assert capsys.readouterr().err == f"vexora-sandbox state: {message.format(path=path)}\n"


def test_without_a_state_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["state", "export", "-"]) == 2
    assert capsys.readouterr().err == (
        "vexora-sandbox state: no state file: give --state FILE (or set VEXORA_SANDBOX_STATE)\n"
    )


def test_export_from_a_file_a_sandbox_is_using(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SandboxServer(state=str(tmp_path / "a.db")):
        assert main(["state", "export", "-", "--state", str(tmp_path / "a.db")]) == 2
    assert "another vexora-sandbox (or another program) is using it" in capsys.readouterr().err
