"""``vexora-sandbox serve`` with the console: what a user sees in the terminal."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.cli.test_serve import _command, _environ
from tests.conftest import MERCHANT_NO, SECRET, payout_body, signed

TIMEOUT = 30.0


def _serve_and_pay(tmp_path: Path, *flags: str) -> list[str]:
    """Start ``serve --port 0 *flags``, send a payout and a badly signed one, stop; stdout."""
    process = subprocess.Popen(
        [*_command(), "serve", "--port", "0", "--clock", "manual", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=_environ(),
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "serving on " in first, first + (process.stderr.read() if process.stderr else "")
        url = first.split("serving on ", 1)[1].strip()
        # Every start-up line is read here: communicate() reads the pipe itself and would
        # miss what readline() had buffered.
        ready = [first.rstrip("\n")]
        while not ready[-1].startswith("  dashboard:"):
            line = process.stdout.readline()
            assert line, f"serve stopped during its start-up lines: {ready}"
            ready.append(line.rstrip("\n"))
        for secret in (SECRET, "wrong"):
            request = urllib.request.Request(
                url + "/v1/vexora/disbursements",
                data=json.dumps(signed(payout_body(), secret)).encode(),
                headers={"merchantNo": MERCHANT_NO, "Content-Type": "application/json"},
                method="POST",
            )
            try:
                urllib.request.urlopen(request, timeout=TIMEOUT).close()
            except urllib.error.HTTPError as exc:
                exc.close()
    finally:
        process.terminate()
        out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err
    assert "Traceback" not in err, err
    return [*ready, *out.splitlines()]


def test_serve_prints_a_line_per_call(tmp_path: Path) -> None:
    lines = _serve_and_pay(tmp_path)
    calls = [line for line in lines if " call " in line]
    assert len(calls) == 2, lines
    assert " call 0000000001 disbursements T20261124000001 -> 0000 status " in calls[0]
    assert "-> 8000 sign error" in calls[1]
    assert "\033[" not in "\n".join(lines)  # a pipe is no terminal
    url = lines[0].split("serving on ", 1)[1]
    assert f"  dashboard:    {url}/_sandbox/ui" in lines


def test_log_format_json_prints_one_object_per_call(tmp_path: Path) -> None:
    lines = _serve_and_pay(tmp_path, "--log-format", "json")
    objects = [json.loads(line) for line in lines if line.startswith("{")]
    assert [(o["event"], o["code"]) for o in objects] == [("call", "0000"), ("call", "8000")]
    assert objects[1]["signBase"].endswith("{secret}")


@pytest.mark.parametrize("flag", ["--quiet"])
def test_quiet_prints_no_call(tmp_path: Path, flag: str) -> None:
    lines = _serve_and_pay(tmp_path, flag)
    assert not [line for line in lines if " call " in line or line.startswith("{")], lines
    assert "serving on " in lines[0]
