"""The Node and shell examples (examples/) run against a sandbox on 127.0.0.1.

They are what docs/languages.md shows; each creates its own merchant, so both run against
the same sandbox.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from vexora_sandbox import SandboxConfig
from vexora_sandbox.testing import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
# Generous: node starts in about a second on an idle machine; these share two busy cores.
TIMEOUT = 120


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig()) as server:
        yield server


def _env(sandbox: SandboxServer) -> dict[str, str]:
    # The CLI the shell example calls is the one installed beside this Python.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return {**os.environ, "SANDBOX_URL": sandbox.url, "PATH": path}


def _run(command: list[str], sandbox: SandboxServer) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=ROOT,
        env=_env(sandbox),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def _merchants(sandbox: SandboxServer) -> list[str]:
    listed = sandbox.admin.request("GET", "merchants")
    return [m["merchantNo"] for m in listed["merchants"]]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_node_example_passes(sandbox: SandboxServer) -> None:
    result = _run(["node", "--test", "examples/node/"], sandbox)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 1" in result.stdout and "# fail 0" in result.stdout
    assert "ok 1 - a rejected payout is accepted, then its signed 00029 callback arrives" in (
        result.stdout
    )
    # It cleaned up after itself (its merchant, and with it its orders and journal).
    assert _merchants(sandbox) == ["0000000001"]


def test_the_node_example_fails_when_the_sandbox_does_not_hold(sandbox: SandboxServer) -> None:
    """The example asserts: against a sandbox where its merchant cannot be created (the
    admin token is wrong), it fails instead of passing vacuously."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    with SandboxServer(SandboxConfig(admin_token="right")) as guarded:
        result = _run(["node", "--test", "examples/node/"], guarded)
    assert result.returncode != 0
    assert "# fail 1" in result.stdout


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_shell_example_passes(sandbox: SandboxServer) -> None:
    result = _run(["bash", str(EXAMPLES / "shell" / "payout.sh")], sandbox)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "callback 00029 with a valid sign" in result.stdout
    assert _merchants(sandbox) == ["0000000001"]
