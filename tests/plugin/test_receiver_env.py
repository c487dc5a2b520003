"""VEXORA_SANDBOX_RECEIVER_HOST and _ADVERTISED_HOST: the receiver fixture for a sandbox in
another network namespace (a CI service container). Only localhost is ever sent to."""

from __future__ import annotations

import pytest

from tests.plugin.conftest import Run
from vexora_sandbox import SandboxConfig
from vexora_sandbox.pytest_plugin import sandbox_target

INNER_TESTS = """
def test_receiver_listens_everywhere_and_is_advertised_as_localhost(
    vexora_sandbox, vexora_callback_receiver
):
    receiver = vexora_callback_receiver
    assert receiver.host == "0.0.0.0"
    assert receiver.url == f"http://localhost:{receiver.port}/notify"
    answer = vexora_sandbox.payout(tradeNo="ENV-1", notifyUrl=receiver.url)
    assert answer["code"] == "0000"
    callback = receiver.wait_for("ENV-1", status="0000", timeout=5)
    assert callback.sign_valid
"""


def test_the_receiver_fixture_takes_its_hosts_from_the_environment(
    pytester: pytest.Pytester, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEXORA_SANDBOX_RECEIVER_HOST", "0.0.0.0")
    monkeypatch.setenv("VEXORA_SANDBOX_RECEIVER_ADVERTISED_HOST", "localhost")
    pytester.makepyfile(INNER_TESTS)
    run().assert_outcomes(passed=1)


def test_a_receiver_host_it_cannot_listen_on_fails_with_the_reason(
    pytester: pytest.Pytester, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEXORA_SANDBOX_RECEIVER_HOST", "192.0.2.1")  # never a local address
    pytester.makepyfile("def test_it(vexora_callback_receiver):\n    pass\n")
    result = run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*the callback receiver cannot listen on '192.0.2.1' (VEXORA_SANDBOX_RECEIVER_HOST)*"]
    )
    result.stdout.no_fnmatch_line("*Traceback*")


@pytest.mark.parametrize("url", ["", "http://127.0.0.1:8080"])
def test_the_receiver_hosts_are_read_with_or_without_an_external_sandbox(url: str) -> None:
    config = SandboxConfig()
    assert sandbox_target(config, {"VEXORA_SANDBOX_URL": url}).receiver_host == "127.0.0.1"
    target = sandbox_target(
        config,
        {
            "VEXORA_SANDBOX_URL": url,
            "VEXORA_SANDBOX_RECEIVER_HOST": " 0.0.0.0 ",
            "VEXORA_SANDBOX_RECEIVER_ADVERTISED_HOST": "tests",
        },
    )
    assert (target.receiver_host, target.receiver_advertised_host) == ("0.0.0.0", "tests")
    empty = sandbox_target(config, {"VEXORA_SANDBOX_RECEIVER_ADVERTISED_HOST": ""})
    assert empty.receiver_advertised_host is None
