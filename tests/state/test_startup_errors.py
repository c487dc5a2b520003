"""A state file the sandbox cannot use stops ``serve`` with exit code 2 and one clear
message: held by another sandbox, damaged, of another program or version, unwritable,
or with ledgers that do not add up with the orders."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from vexora_sandbox.cli import main
from vexora_sandbox.testing import SandboxServer


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("VEXORA_SANDBOX_"):
            monkeypatch.delenv(name)


def serve(path: str | Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["serve", "--port", "0", "--state", str(path)])
    out, err = capsys.readouterr()
    assert out == ""  # nothing printed as if it were serving
    assert "Traceback" not in err
    return code, err


def expected(path: str | Path, message: str) -> str:
    return f"vexora-sandbox: configuration error:\n  state file {path}: {message}\n"


def test_a_second_sandbox_on_the_same_file_refuses_to_start(
    state_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with SandboxServer(state=state_file) as first:
        assert serve(state_file, capsys) == (
            2,
            expected(
                state_file,
                "another vexora-sandbox (or another program) is using it; stop that one, "
                "or give this one another --state file",
            ),
        )
        assert first.admin.health()["status"] == "ok"  # the first one serves on


def test_a_damaged_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not an SQLite file at all" * 200)
    assert serve(path, capsys) == (
        2,
        expected(
            path,
            "it is not a state file or it is damaged (file is not a database); move it "
            "away to start afresh, or start from an export with 'vexora-sandbox state import'",
        ),
    )


def test_an_sqlite_file_of_another_program(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (id INTEGER)")
    db.close()
    assert serve(path, capsys) == (
        2,
        expected(
            path,
            "it is an SQLite file of another program (no vexora-sandbox meta table); give "
            "the sandbox a file of its own",
        ),
    )


def test_a_file_of_a_newer_version_is_refused_with_what_to_do(
    state_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with SandboxServer(state=state_file):
        pass
    with sqlite3.connect(state_file) as db:
        db.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    db.close()
    assert serve(state_file, capsys) == (
        2,
        expected(
            state_file,
            "it was written by a newer vexora-sandbox (schema version 7; this one reads up "
            "to 3): run that newer version, or export with it ('vexora-sandbox state "
            "export') and import into a new file",
        ),
    )


def test_a_path_that_cannot_be_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    path = blocker / "more" / "state.db"
    assert serve(path, capsys) == (
        2,
        expected(path, "cannot create its directory: Not a directory"),
    )


def test_a_directory_instead_of_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert serve(tmp_path, capsys) == (
        2,
        expected(tmp_path, "it is a directory; give a file name inside it"),
    )


def test_a_directory_it_cannot_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() == 0:
        # Root writes to a read-only directory; /proc takes no new file from anyone.
        folder = Path("/proc")
        code, err = serve(folder / "vexora-state.db", capsys)
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        try:
            code, err = serve(folder / "state.db", capsys)
        finally:
            folder.chmod(0o755)
    assert code == 2
    name = "vexora-state.db" if folder == Path("/proc") else "state.db"
    assert err.startswith(
        f"vexora-sandbox: configuration error:\n  state file {folder / name}: "
        "cannot write it (unable to open database file)"
    )


def test_ledgers_that_do_not_add_up_name_the_merchant_and_the_order(
    state_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with SandboxServer(state=state_file) as sandbox:
        assert sandbox.payout(tradeNo="T1", amount="250")["code"] == "0000"
        assert sandbox.payout(tradeNo="T2", amount="120")["code"] == "0000"
    # As if the file lost T2's reservation: 120 more available, 120 less frozen.
    with sqlite3.connect(state_file) as db:
        db.execute("UPDATE ledgers SET available = '99999750', freeze = '250'")
    db.close()
    code, err = serve(state_file, capsys)
    assert code == 2
    assert err == (
        "vexora-sandbox: configuration error:\n"
        f"  state file {state_file}: merchant 0000000001 (ARS): the ledger freezes 250 but its "
        "payouts in progress hold 370; the gap of 120 is the amount of order(s) T2. The file "
        "was changed outside the sandbox, or a bug: export it ('vexora-sandbox state "
        "export') and report it, or start with another --state file\n"
    )


def test_orders_of_a_merchant_no_longer_configured(
    state_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SandboxServer(state=state_file) as sandbox:
        assert sandbox.payout(tradeNo="T1")["code"] == "0000"
    other = tmp_path / "other.yaml"
    other.write_text('merchants:\n  - {merchantNo: "0000000002", secret: s}\n')
    code = main(["serve", "--port", "0", "--state", state_file, "--config", str(other)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        "vexora-sandbox: configuration error:\n"
        f"  state file {state_file}: it holds 1 order(s) of merchant 0000000001, which the "
        "configuration does not list; add the merchant back, or start with another --state "
        "file\n"
    )


def test_a_row_changed_by_hand_that_cannot_be_read(
    state_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with SandboxServer(state=state_file) as sandbox:
        assert sandbox.payout(tradeNo="T1")["code"] == "0000"
    with sqlite3.connect(state_file) as db:
        db.execute("UPDATE orders SET kind = 'refund'")
    db.close()
    assert serve(state_file, capsys) == (
        2,
        expected(
            state_file,
            "a row cannot be read (ValueError: order T1 has an unknown kind 'refund'); it was "
            "changed outside the sandbox, or is damaged: restore it from an export, or start "
            "with another --state file",
        ),
    )
