"""A command whose output is closed (``| head``) ends quietly, as Unix tools do.

Found from outside: ``vexora-sandbox openapi | head -1`` printed "vexora-sandbox: Broken
pipe" (exit 1), and ``vexora-sandbox listen | head`` a traceback per callback once ``head``
had gone. Each runs in a subprocess whose stdout is a pipe with no reader left.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import SECRET
from vexora_sandbox import sign

TIMEOUT = 30.0
CLOSED_OUTPUT = 141  # 128 + SIGPIPE: what a shell shows for `yes | head -1`


def _command() -> list[str]:
    return [sys.executable, "-m", "vexora_sandbox"]


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("VEXORA_SANDBOX_")}


def _closed_pipe() -> int:
    """The write end of a pipe whose read end is already closed."""
    read, write = os.pipe()
    os.close(read)
    return write


@pytest.mark.parametrize(
    "argv",
    [["example"], ["example", "--area", "indonesia"], ["openapi"], ["check"]],
)
def test_a_closed_output_ends_the_command_quietly(argv: list[str], tmp_path: Path) -> None:
    write = _closed_pipe()
    try:
        done = subprocess.run(
            [*_command(), *argv],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
            env=_environ(),
            cwd=tmp_path,
            check=False,
        )
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (CLOSED_OUTPUT, "")


def test_listen_stops_quietly_once_its_output_is_gone(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*_command(), "listen", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environ(),
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("vexora-sandbox listening on http://127.0.0.1:"), first
        url = first.split(" on ", 1)[1].split(" ", 1)[0]
        while "notifyUrl" not in (line := process.stdout.readline()):  # its last line
            assert line, "listen stopped"
        process.stdout.close()  # `head -4` has what it wanted, and goes
        body = {"tradeNo": "T1", "status": "0000", "amount": "100"}
        body["sign"] = sign(body, SECRET)
        request = urllib.request.Request(
            f"{url}/notify",
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=TIMEOUT)
        # Not acknowledged: the sandbox retries it, to a listener that prints it.
        assert refused.value.code == 503
        assert refused.value.read() == b"the listener's output is closed; it stops"
        assert process.wait(timeout=TIMEOUT) == CLOSED_OUTPUT
        assert process.stderr is not None
        assert process.stderr.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)
        if process.stderr is not None:
            process.stderr.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_keeps_serving_when_its_output_is_closed(tmp_path: Path) -> None:
    port = _free_port()
    write = _closed_pipe()
    stderr = (tmp_path / "stderr.txt").open("w+", encoding="utf-8")
    try:
        process = subprocess.Popen(
            [*_command(), "serve", "--port", str(port)],
            stdout=write,
            stderr=stderr,
            env=_environ(),
            cwd=tmp_path,
        )
    finally:
        os.close(write)
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_sandbox/health", timeout=5
                ) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert process.poll() is None, "serve stopped"
                assert time.monotonic() < deadline, "serve did not answer"
                time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=TIMEOUT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)
        stderr.seek(0)
        logged = stderr.read()
        stderr.close()
    assert "Broken pipe" not in logged and "BrokenPipeError" not in logged, logged
    assert "Traceback" not in logged and "Exception ignored" not in logged, logged
