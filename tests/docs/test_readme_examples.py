"""The README's examples work as printed, against a sandbox started for the test."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from vexora_sandbox.testing import SandboxServer

README = (Path(__file__).parents[2] / "README.md").read_text("utf-8")
PRINTED_URL = "http://127.0.0.1:8080"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


def test_the_readme_starts_with_the_setup_and_the_test_command() -> None:
    setup, tests = blocks("sh")[:2]
    # The first installs only what serving needs (no extras) and starts the sandbox.
    assert setup.strip() == (
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/vexora-sandbox serve"
    )
    assert tests.strip() == ".venv/bin/pip install -e '.[test]' && .venv/bin/pytest"


def test_the_python_example_sends_an_accepted_payout(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    (example,) = [b for b in blocks("python") if "disbursements" in b]
    exec(compile(example.replace(PRINTED_URL, sandbox.url), "README.md", "exec"), {})
    assert capsys.readouterr().out == "0000 0015\n"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_curl_example_is_correctly_signed(sandbox: SandboxServer) -> None:
    (example,) = [b for b in blocks("sh") if b.startswith("curl")]
    command = example.replace(PRINTED_URL, sandbox.url).replace("\\\n", " ")
    result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=30)
    answer = json.loads(result.stdout)
    assert (answer["code"], answer["msg"], answer["data"]["status"]) == ("0000", "success", "0015")
    assert answer["data"]["tradeNo"] == "T20261124000001"


def test_the_pytest_example_passes_with_the_installed_plugin(tmp_path: Path) -> None:
    (example,) = [b for b in blocks("python") if "vexora_callback_receiver" in b]
    (tmp_path / "test_merchant.py").write_text(example, "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_merchant.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_example_piped_into_curl_is_accepted(sandbox: SandboxServer) -> None:
    (example,) = [b for b in blocks("sh") if b.startswith(".venv/bin/vexora-sandbox example")]
    command = Path(sys.executable).parent / "vexora-sandbox"
    script = example.replace(PRINTED_URL, sandbox.url).replace("\\\n", " ")
    script = script.replace(".venv/bin/vexora-sandbox", str(command), 1)
    result = subprocess.run(script, shell=True, capture_output=True, text=True, timeout=60)
    answer = json.loads(result.stdout)
    assert (answer["code"], answer["data"]["status"]) == ("0000", "0015"), result.stderr
