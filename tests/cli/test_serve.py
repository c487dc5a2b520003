"""``vexora-sandbox serve``: configuration errors, and one real run on a free port."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import MERCHANT_NO, SECRET, payout_body, signed
from vexora_sandbox.cli import main

STARTUP_TIMEOUT = 30.0
REQUEST_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 5.0


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No VEXORA_SANDBOX_* variable of the machine running the tests leaks in."""
    for name in list(os.environ):
        if name.startswith("VEXORA_SANDBOX_"):
            monkeypatch.delenv(name)


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("VEXORA_SANDBOX_")}


# --- configuration errors (in process: fast) -----------------------------------------


@pytest.mark.usefixtures("clean_environ")
def test_a_broken_config_file_exits_2_with_the_problem_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text('port: 0\nmerchants:\n  - merchantNo: "0000000002"\n', encoding="utf-8")
    assert main(["serve", "--config", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "vexora-sandbox: configuration error:\n"
        f"  {path}:3: merchants[0]: a merchant needs a secret\n"
    )
    assert "Traceback" not in err


@pytest.mark.usefixtures("clean_environ")
def test_every_problem_of_the_file_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("port: high\nvalidation: loose\n", encoding="utf-8")
    assert main(["serve", "--config", str(path)]) == 2
    assert capsys.readouterr().err == (
        "vexora-sandbox: configuration error:\n"
        f"  {path}:1: port: must be a whole number; got 'high'\n"
        f"  {path}:2: validation: must be one of strict, lenient; got 'loose'\n"
    )


@pytest.mark.usefixtures("clean_environ")
def test_invalid_yaml_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("port: 0\nmerchants: [\n", encoding="utf-8")
    assert main(["serve", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"vexora-sandbox: configuration error:\n  {path}:3: invalid YAML: ")
    assert "Traceback" not in err


@pytest.mark.usefixtures("clean_environ")
def test_a_missing_config_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "absent.yaml"
    assert main(["serve", "--config", str(path)]) == 2
    assert capsys.readouterr().err == (
        "vexora-sandbox: configuration error:\n"
        f"  {path}: cannot read the file: No such file or directory\n"
    )


@pytest.mark.usefixtures("clean_environ")
def test_a_merchant_with_an_unknown_area_names_the_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        'merchants:\n  - merchantNo: "0000000002"\n    secret: s2\n    area: atlantis\n',
        encoding="utf-8",
    )
    assert main(["serve", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"vexora-sandbox: configuration error:\n  {path}:4: merchants[0].area: "
    ), err
    assert "unknown area 'atlantis'" in err
    assert "Traceback" not in err


def test_a_bad_environment_variable_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VEXORA_SANDBOX_PORT", "eighty")
    assert main(["serve"]) == 2
    assert capsys.readouterr().err == (
        "vexora-sandbox: configuration error:\n"
        "  VEXORA_SANDBOX_PORT: must be a whole number; got 'eighty'\n"
    )


# --- one real run --------------------------------------------------------------------


def _command() -> list[str]:
    found = shutil.which("vexora-sandbox", path=str(Path(sys.executable).parent))
    found = found or shutil.which("vexora-sandbox")
    return [found] if found else [sys.executable, "-m", "vexora_sandbox"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], queue.Queue[str]]]:
    """``vexora-sandbox serve --port 0``, with its stdout lines on a queue."""
    stderr = (tmp_path / "stderr.txt").open("w+", encoding="utf-8")
    process = subprocess.Popen(
        [*_command(), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        cwd=tmp_path,
        env=_environ(),
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    pumping = threading.Thread(target=pump, daemon=True)
    pumping.start()
    try:
        yield process, lines
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=SHUTDOWN_TIMEOUT)
        pumping.join(SHUTDOWN_TIMEOUT)
        assert process.stdout is not None
        process.stdout.close()
        stderr.seek(0)
        logged = stderr.read()
        stderr.close()
        assert "Traceback" not in logged, logged


def _read_until(lines: queue.Queue[str], marker: str) -> list[str]:
    seen: list[str] = []
    while not any(marker in line for line in seen):
        try:
            seen.append(lines.get(timeout=STARTUP_TIMEOUT))
        except queue.Empty:
            pytest.fail(f"no line with {marker!r} within {STARTUP_TIMEOUT} s; got {seen}")
    return seen


def test_serve_prints_its_url_and_merchant_answers_and_stops_on_sigterm(
    server: tuple[subprocess.Popen[str], queue.Queue[str]],
) -> None:
    process, lines = server
    printed = _read_until(lines, "health:")
    first = printed[0]
    prefix = "serving on "
    assert prefix in first, printed
    url = first.split(prefix, 1)[1].strip()
    assert url.startswith("http://127.0.0.1:")
    assert int(url.rsplit(":", 1)[1]) > 0
    assert any(
        f"merchantNo {MERCHANT_NO}" in line and f"secret {SECRET}" in line for line in printed
    ), printed

    request = urllib.request.Request(
        url + "/v1/vexora/disbursements",
        data=json.dumps(signed(payout_body())).encode(),
        headers={"merchantNo": MERCHANT_NO, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
        assert response.status == 200
        answer = json.loads(response.read())
    assert (answer["code"], answer["msg"], answer["success"]) == ("0000", "success", True)
    assert answer["data"]["tradeNo"] == payout_body()["tradeNo"]

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=SHUTDOWN_TIMEOUT) == 0


def test_serve_says_so_when_its_scenario_folder_holds_no_scenario_file(tmp_path: Path) -> None:
    """``check`` refuses such a folder; ``serve`` serves it (every call then gets the
    default outcome, which may be meant) but says so where its banner names the folder."""
    empty = tmp_path / "scenarios"
    empty.mkdir()
    process = subprocess.Popen(
        [*_command(), "serve", "--port", "0", "--scenarios", str(empty)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
        env=_environ(),
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    pumping = threading.Thread(target=pump, daemon=True)
    pumping.start()
    try:
        printed = _read_until(lines, "health:")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=SHUTDOWN_TIMEOUT)
        pumping.join(SHUTDOWN_TIMEOUT)
        assert process.stdout is not None
        process.stdout.close()
    assert f"  scenarios: 0 from {empty}" in printed, printed
    assert (
        f"  (no scenario files in {empty}: every call gets the default outcome; "
        f"vexora-sandbox check {empty} says the same)"
    ) in printed, printed
