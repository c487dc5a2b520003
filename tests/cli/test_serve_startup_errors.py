"""``serve`` names the real cause of a start that fails: exit code 2, one line, no traceback.

Found from outside: any OSError of the start was reported as "cannot listen on HOST:PORT",
e.g. a state file whose name is too long (``serve --state /tmp/xxx...``: "cannot listen on
127.0.0.1:0: File name too long"), and one while the app was built (an area file that is a
directory) as a bare "vexora-sandbox: Is a directory" with exit code 1.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from vexora_sandbox.cli import main


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No VEXORA_SANDBOX_* variable of the machine running the tests leaks in."""
    import os

    for name in list(os.environ):
        if name.startswith("VEXORA_SANDBOX_"):
            monkeypatch.delenv(name)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_state_file_name_too_long_is_named_as_the_state_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / ("x" * 300)
    code, out, err = run(capsys, "serve", "--port", "0", "--state", str(state))
    assert (code, out) == (2, "")
    assert err == f"vexora-sandbox serve: cannot start: state file {state}: File name too long\n"


def test_an_area_file_that_is_a_directory_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "areas" / "shop.yaml").mkdir(parents=True)
    code, out, err = run(capsys, "serve", "--port", "0", "--areas-dir", str(tmp_path / "areas"))
    assert (code, out) == (2, "")
    assert err == (
        f"vexora-sandbox serve: cannot start: {tmp_path / 'areas' / 'shop.yaml'}: Is a directory\n"
    )


def test_a_port_in_use_is_still_a_listen_problem_with_a_state_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        state = tmp_path / "state.db"
        code, out, err = run(capsys, "serve", "--port", str(port), "--state", str(state))
    assert (code, out) == (1, "")
    assert err == (
        f"vexora-sandbox serve: port {port} on 127.0.0.1 is already in use (another "
        "sandbox?); pick another with --port N, or --port 0 for a free one, which is printed\n"
    )


def test_listen_on_a_port_in_use_names_the_port_and_how_to_pick_another(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Found alongside: listen said "error while attempting to bind on address
    # ('127.0.0.1', PORT): address already in use", in Python's words.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run(capsys, "listen", "--port", str(port))
    assert (code, out) == (1, "")
    assert err == (
        f"vexora-sandbox listen: port {port} on 127.0.0.1 is already in use (another "
        "listener?); pick another with --port N, or --port 0 for a free one, which is printed\n"
    )


def test_a_start_that_fails_leaves_no_thread_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found alongside: the console's writer thread, started with the app, outlived a start
    # that failed later (the state file), in a process that goes on (tests, embedding).
    def ours() -> list[str]:
        return sorted(t.name for t in threading.enumerate() if t.name.startswith("vexora"))

    before = ours()
    state = tmp_path / ("x" * 300)
    assert run(capsys, "serve", "--port", "0", "--state", str(state))[0] == 2
    assert ours() == before
