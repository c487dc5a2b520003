"""A file a command cannot use is named with the command, exit code 2, no traceback.

Found from outside: ``vexora-sandbox openapi --areas-dir DIR`` with a directory named
``shop.yaml`` in DIR printed only "vexora-sandbox: Is a directory", and ``state export``
with a state file name too long "vexora-sandbox: File name too long" (exit 1), naming
neither the command nor the file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vexora_sandbox.cli import main


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("VEXORA_SANDBOX_"):
            monkeypatch.delenv(name)


def test_an_area_file_that_is_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "areas" / "shop.yaml").mkdir(parents=True)
    code = main(["openapi", "--areas-dir", str(tmp_path / "areas")])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == f"vexora-sandbox openapi: {tmp_path / 'areas' / 'shop.yaml'}: Is a directory\n"


def test_a_state_file_name_too_long(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / ("y" * 300)
    code = main(["state", "export", "--state", str(state), "-"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == f"vexora-sandbox state: {state}: File name too long\n"
