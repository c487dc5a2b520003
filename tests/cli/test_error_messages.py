"""Each mistake a new user made in a first hour gets a message that says what to do.

One test a mistake, asserting the whole message a user reads: a URL without a scheme, a
port in use, a host that does not resolve, a wrong admin token, a folder without scenario
files, and an example body whose tradeNo repeats.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from vexora_sandbox import SandboxServer
from vexora_sandbox.cli import main

URL_PROBLEM = "{option} must be an http:// or https:// URL with a host, e.g. {example}; got {url!r}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No VEXORA_SANDBOX_* variable of the machine running the tests leaks in."""
    import os

    for name in list(os.environ):
        if name.startswith("VEXORA_SANDBOX_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def guarded() -> Iterator[SandboxServer]:
    with SandboxServer(admin_token="right-token") as server:
        yield server


# --- URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["127.0.0.1:20050/notify", "ftp://x/", "http://", "notify"])
def test_send_callback_to_a_url_that_is_not_http_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], url: str
) -> None:
    argv = ("send-callback", "--url", url, "--secret", "s", "--trade-no", "T1", "--status", "0000")
    code, out, err = run(capsys, *argv)
    expected = URL_PROBLEM.format(option="--url", example="http://127.0.0.1:9000/notify", url=url)
    assert (code, out, err) == (2, "", f"vexora-sandbox send-callback: {expected}\n")


@pytest.mark.parametrize(
    "argv", [["status"], ["replay", "1"], ["force", "T1", "0000"]], ids=lambda a: a[0]
)
@pytest.mark.parametrize("url", ["127.0.0.1:20073", "ftp://x/", "http://127.0.0.1:port"])
def test_a_remote_command_with_a_url_that_is_not_http_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], argv: list[str], url: str
) -> None:
    code, out, err = run(capsys, *argv, "--url", url)
    expected = URL_PROBLEM.format(option="--url", example="http://127.0.0.1:8080", url=url)
    assert (code, out, err) == (2, "", f"vexora-sandbox {argv[0]}: {expected}\n")


def test_the_url_from_the_environment_is_checked_too(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEXORA_SANDBOX_URL", "127.0.0.1:8080")
    code, _, err = run(capsys, "status")
    assert code == 2
    assert "--url must be an http:// or https:// URL with a host" in err
    assert "got '127.0.0.1:8080'" in err


# --- serve: where it cannot listen ------------------------------------------------------


def test_a_port_in_use_names_the_port_and_how_to_pick_another(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run(capsys, "serve", "--port", str(port))
    assert (code, out) == (1, "")
    # One line: no INFO line of the shutdown before it.
    assert err == (
        f"vexora-sandbox serve: port {port} on 127.0.0.1 is already in use (another "
        "sandbox?); pick another with --port N, or --port 0 for a free one, which is printed\n"
    )


def test_a_host_that_does_not_resolve_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "serve", "--host", "nosuchhost.invalid", "--port", "0")
    assert (code, out) == (1, "")
    assert err.startswith("vexora-sandbox serve: cannot listen on host 'nosuchhost.invalid': ")
    assert err.endswith(
        "; give --host an address of this machine, e.g. 127.0.0.1 (this machine only) or "
        "0.0.0.0 (every interface)\n"
    )
    assert err.count("\n") == 1


# --- the admin token ------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_a_missing_or_wrong_admin_token_says_which_option_sets_it(
    capsys: pytest.CaptureFixture[str], guarded: SandboxServer, token: str | None
) -> None:
    given = ["--admin-token", token] if token else []
    code, out, err = run(capsys, "status", "--url", guarded.url, *given)
    assert (code, out) == (1, "")
    assert err == (
        f"vexora-sandbox status: the sandbox at {guarded.url} refused the admin call "
        "(HTTP 401: this sandbox requires 'Authorization: Bearer <admin token>'); pass the "
        "token it was started with as --admin-token T or VEXORA_SANDBOX_ADMIN_TOKEN\n"
    )


def test_the_right_admin_token_from_the_environment_is_used(
    capsys: pytest.CaptureFixture[str], guarded: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEXORA_SANDBOX_ADMIN_TOKEN", "right-token")
    code, out, _ = run(capsys, "status", "--url", guarded.url)
    assert code == 0
    assert out.startswith("vexora-sandbox ") and f"at {guarded.url}: " in out


# --- check -------------------------------------------------------------------------------


def test_check_on_a_folder_without_scenario_files_is_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("not a scenario\n", encoding="utf-8")
    code, out, err = run(capsys, "check", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == (
        f"{tmp_path}: no scenario files here (*.yaml or *.yml, searched in subfolders too); "
        "is the path right?\n"
    )


# --- example -------------------------------------------------------------------------------


def test_one_seed_still_gives_a_new_trade_no_for_each_area(
    capsys: pytest.CaptureFixture[str], guarded: SandboxServer
) -> None:
    """The README's pair of calls: the second area's payout is not a duplicate."""
    trade_nos = []
    for area in ("indonesia", "philippines"):
        code, out, _ = run(capsys, "example", "--area", area, "--seed", "7")
        assert code == 0
        body = json.loads(out)
        trade_nos.append(body["tradeNo"])
        answer = guarded.call("disbursements", body, area=area, sign=False)
        assert (answer["code"], answer["data"]["status"]) == ("0000", "0015"), answer
    assert trade_nos[0] != trade_nos[1]


def test_one_seed_and_timestamp_give_the_same_body_again(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ("example", "--seed", "7", "--timestamp", "1764000000000")
    first, second = run(capsys, *argv), run(capsys, *argv)
    assert first == second and first[0] == 0
    assert json.loads(first[1])["tradeNo"].startswith("T1764000000000")
