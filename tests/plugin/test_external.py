"""VEXORA_SANDBOX_URL: the same fixtures against a sandbox the test suite did not start."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.plugin.conftest import Run
from vexora_sandbox import SandboxServer
from vexora_sandbox.domain.store import Merchant

TOKEN = "external-admin-token"
MERCHANT_NO = "0000000042"
SECRET = "external-secret"

INNER_TESTS = """
import os
from vexora_sandbox import SandboxClient, SandboxServer

def test_uses_the_running_sandbox(vexora_sandbox):
    assert type(vexora_sandbox) is SandboxClient
    assert not isinstance(vexora_sandbox, SandboxServer)
    assert vexora_sandbox.url == os.environ["VEXORA_SANDBOX_URL"]
    assert (vexora_sandbox.merchant_no, vexora_sandbox.secret) == ("0000000042", "external-secret")

def test_reset_through_the_admin_api(vexora_sandbox):
    assert vexora_sandbox.admin.transactions() == []

def test_payout_and_callback(vexora_sandbox, vexora_callback_receiver):
    answer = vexora_sandbox.payout(tradeNo="EXT-1", notifyUrl=vexora_callback_receiver.url)
    assert answer["code"] == "0000"
    callback = vexora_callback_receiver.wait_for("EXT-1", status="0000", timeout=5)
    assert callback.sign_valid
    assert vexora_sandbox.query_payout("EXT-1")["data"]["status"] == "0000"
"""


@pytest.fixture(scope="module")
def external() -> Iterator[SandboxServer]:
    """A sandbox "elsewhere": started by this test module, not by the fixtures under test."""
    with SandboxServer(
        merchants=(Merchant(MERCHANT_NO, SECRET),), admin_token=TOKEN, time_scale=0.01
    ) as server:
        yield server


@pytest.fixture
def env(
    external: SandboxServer, monkeypatch: pytest.MonkeyPatch, pytester: pytest.Pytester
) -> SandboxServer:
    external.reset()
    monkeypatch.setenv("VEXORA_SANDBOX_URL", external.url)
    monkeypatch.setenv("VEXORA_SANDBOX_ADMIN_TOKEN", TOKEN)
    monkeypatch.setenv("VEXORA_SANDBOX_MERCHANT_NO", MERCHANT_NO)
    monkeypatch.setenv("VEXORA_SANDBOX_SECRET", SECRET)
    return external


def test_the_same_tests_run_against_an_external_sandbox(
    env: SandboxServer, pytester: pytest.Pytester, run: Run
) -> None:
    env.payout(tradeNo="BEFORE-THE-RUN")
    pytester.makepyfile(INNER_TESTS)
    result = run()
    result.assert_outcomes(passed=3)
    # The inner tests reset the external sandbox and left their own order in it.
    assert [o["tradeNo"] for o in env.admin.transactions()] == ["EXT-1"]
    assert env.errors == []


def test_a_wrong_admin_token_fails_with_the_reason(
    env: SandboxServer, pytester: pytest.Pytester, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEXORA_SANDBOX_ADMIN_TOKEN", "wrong")
    pytester.makepyfile("def test_it(vexora_sandbox):\n    pass\n")
    result = run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*refused its admin API (HTTP 401)*requires 'Authorization: Bearer*"]
    )


def test_an_unreachable_sandbox_fails_with_the_reason(
    pytester: pytest.Pytester, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEXORA_SANDBOX_URL", "http://127.0.0.1:9")
    pytester.makepyfile("def test_it(vexora_sandbox):\n    pass\n")
    result = run("-o", "vexora_sandbox_wait=0.2")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*no Vexora sandbox answers at http://127.0.0.1:9*VEXORA_SANDBOX_URL names a sandbox*"]
    )
