"""One external sandbox, two test processes at once: each test has a merchant of its own.

With ``VEXORA_SANDBOX_URL`` set and no ``VEXORA_SANDBOX_MERCHANT_NO``, the plugin creates
a merchant per test, so parallel workers (pytest-xdist, or suites in other processes)
never see each other's orders, callbacks, scenarios or resets.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugin.conftest import QUIET, Run
from vexora_sandbox import SandboxServer
from vexora_sandbox.domain.store import Merchant

TOKEN = "shared-admin-token"
TESTS_PER_PROCESS = 12
# Generous bounds for two pytest processes on two busy cores.
RUN_TIMEOUT = 180

INNER_TESTS = f"""
import os
import time
from pathlib import Path

import pytest

TAG = os.environ["WORKER_TAG"]
OTHER = "B" if TAG == "A" else "A"


@pytest.fixture(scope="session", autouse=True)
def both_processes_run_at_once():
    # A barrier: neither process starts its tests before the other is ready, so their
    # tests overlap in time.
    here = Path(os.environ["BARRIER_DIR"])
    (here / TAG).touch()
    deadline = time.monotonic() + 60
    while not (here / OTHER).exists():
        assert time.monotonic() < deadline, "the other process never started"
        time.sleep(0.01)


@pytest.mark.parametrize("i", range({TESTS_PER_PROCESS}))
def test_a_merchant_of_its_own(vexora_sandbox, vexora_callback_receiver, i):
    me = vexora_sandbox.merchant_no
    assert me != "0000000001"
    refuse = {{
        "name": "refuse-77",
        "match": {{"account": {{"suffix": "77"}}}},
        "response": {{"code": "8000", "msg": "refused for " + TAG}},
    }}
    vexora_sandbox.admin.add_scenarios(refuse, merchant_no=me)
    trade_no = f"{{TAG}}-{{i}}"
    answer = vexora_sandbox.payout(tradeNo=trade_no, notifyUrl=vexora_callback_receiver.url)
    assert answer["code"] == "0000", answer
    refused = vexora_sandbox.payout(tradeNo=trade_no + "-R", accountNo="880000000077")
    assert (refused["code"], refused["msg"]) == ("8000", "refused for " + TAG)

    callback = vexora_callback_receiver.wait_for(trade_no, status="0000", timeout=20)
    assert callback.sign_valid  # signed with this test's own secret
    assert [c.trade_no for c in vexora_callback_receiver.received] == [trade_no]
    assert [o["tradeNo"] for o in vexora_sandbox.admin.transactions(merchantNo=me)] == [trade_no]
    assert vexora_sandbox.admin.count_requests(merchantNo=me) == 2
    assert vexora_sandbox.admin.count_requests(merchantNo=me, code="8000") == 1

    # Its reset is its own: its orders and its scenario go, the other process's stay.
    vexora_sandbox.reset()
    assert vexora_sandbox.admin.transactions(merchantNo=me) == []
    again = vexora_sandbox.payout(tradeNo=trade_no + "-A", accountNo="880000000077")
    assert again["code"] == "0000"
"""


@pytest.fixture(scope="module")
def shared() -> Iterator[SandboxServer]:
    with SandboxServer(
        merchants=(Merchant("0000000001", "configured-secret"),),
        admin_token=TOKEN,
        time_scale=0.01,
    ) as server:
        yield server


def _environment(shared: SandboxServer, tag: str, barrier: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VEXORA_SANDBOX_MERCHANT_NO", "VEXORA_SANDBOX_SECRET")
    }
    env.update(
        VEXORA_SANDBOX_URL=shared.url,
        VEXORA_SANDBOX_ADMIN_TOKEN=TOKEN,
        WORKER_TAG=tag,
        BARRIER_DIR=str(barrier),
    )
    return env


def test_two_processes_share_one_sandbox_without_seeing_each_other(
    shared: SandboxServer, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    test_file = pytester.makepyfile(INNER_TESTS)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    processes = {
        tag: subprocess.Popen(
            [sys.executable, "-m", "pytest", "-q", *QUIET, "-p", "no:randomly", str(test_file)],
            cwd=pytester.path,
            env=_environment(shared, tag, barrier),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for tag in ("A", "B")
    }
    outputs = {tag: p.communicate(timeout=RUN_TIMEOUT)[0] for tag, p in processes.items()}
    for tag, process in processes.items():
        assert process.returncode == 0, f"process {tag}:\n{outputs[tag]}"
        assert f"{TESTS_PER_PROCESS} passed" in outputs[tag], outputs[tag]
    # Every test removed its merchant with everything it had.
    assert [m["merchantNo"] for m in shared.admin.request("GET", "merchants")["merchants"]] == [
        "0000000001"
    ]
    assert shared.admin.transactions() == []
    assert shared.admin.scenarios()["scenarios"][0]["origin"] == "file"
    assert shared.errors == []


def test_a_pinned_merchant_the_sandbox_lacks_fails_at_the_start(
    shared: SandboxServer, pytester: pytest.Pytester, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The docs' conftest names 0000000042; this sandbox is configured without it.
    monkeypatch.setenv("VEXORA_SANDBOX_URL", shared.url)
    monkeypatch.setenv("VEXORA_SANDBOX_ADMIN_TOKEN", TOKEN)
    monkeypatch.setenv("VEXORA_SANDBOX_MERCHANT_NO", "0000000042")
    monkeypatch.setenv("VEXORA_SANDBOX_SECRET", "external-secret")
    pytester.makepyfile(
        "def test_one(vexora_sandbox):\n"
        "    answer = vexora_sandbox.payout()\n"
        "    assert answer['data']['status'] == '0015'\n"
    )
    result = run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*VEXORA_SANDBOX_MERCHANT_NO=0000000042, but the sandbox at http://127.0.0.1:* has "
            "no merchant 0000000042: configure it there, or unset VEXORA_SANDBOX_MERCHANT_NO so "
            "that each test creates a merchant of its own*"
        ]
    )
    assert "TypeError" not in result.stdout.str()


CHECKED = """
import pytest

def test_an_unexpected_refusal_fails(vexora_sandbox):
    vexora_sandbox.payout(tradeNo="BAD", mobile="123")

@pytest.mark.vexora_sandbox_expect_errors("8000")
def test_an_expected_refusal_passes(vexora_sandbox):
    answer = vexora_sandbox.payout(tradeNo="BAD", mobile="123")
    assert answer["code"] == "8000"

def test_a_clean_test_passes(vexora_sandbox):
    assert vexora_sandbox.payout(tradeNo="OK")["code"] == "0000"
"""


def test_the_answers_check_fails_a_test_with_an_unexpected_8000(
    pytester: pytest.Pytester, run: Run
) -> None:
    pytester.makeini("[pytest]\nvexora_sandbox_check_answers = true\n")
    pytester.makepyfile(CHECKED)
    result = run()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*the Vexora sandbox answered 1 call(s) of this test with an error it did not "
            "expect (mark it vexora_sandbox_expect_errors if it does):",
            "*disbursements tradeNo=BAD: 8000 mobile must be a 10-digit number starting with 0*",
        ]
    )


def test_the_answers_check_is_off_by_default(pytester: pytest.Pytester, run: Run) -> None:
    pytester.makepyfile(CHECKED)
    run().assert_outcomes(passed=3)
