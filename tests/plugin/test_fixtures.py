"""The pytest plugin, run the way a merchant's project runs it (pytest inside pytest)."""

from __future__ import annotations

import sys

import pytest

from tests.plugin.conftest import QUIET, Run


def test_installing_the_package_registers_the_plugin(pytester: pytest.Pytester) -> None:
    # A subprocess with no -p option: only the pytest11 entry point can bring the fixtures.
    pytester.makepyfile(
        """
        def test_it(request, vexora_sandbox):
            assert request.config.pluginmanager.has_plugin("vexora_sandbox")
            assert vexora_sandbox.payout()["code"] == "0000"
        """
    )
    result = pytester.runpytest_subprocess(*QUIET)
    result.assert_outcomes(passed=1)


def test_the_fixtures_are_documented(pytester: pytest.Pytester, run: Run) -> None:
    result = run("--fixtures")
    for lines in [
        ["vexora_sandbox_config [[]session scope[]] -- *pytest_plugin.py*", "*configuration*"],
        ["vexora_sandbox -- *pytest_plugin.py*", "*The session's sandbox, reset*"],
        ["vexora_callback_receiver -- *pytest_plugin.py*", "*A merchant callback endpoint*"],
    ]:
        result.stdout.fnmatch_lines(lines, consecutive=True)


def test_the_fixtures_and_their_attributes(pytester: pytest.Pytester, run: Run) -> None:
    pytester.makepyfile(
        """
        from vexora_sandbox import CallbackReceiver, SandboxConfig, SandboxServer

        def test_types(vexora_sandbox, vexora_sandbox_config, vexora_callback_receiver):
            assert isinstance(vexora_sandbox, SandboxServer)
            assert isinstance(vexora_sandbox_config, SandboxConfig)
            assert vexora_sandbox_config.time_scale == 0.01
            assert isinstance(vexora_callback_receiver, CallbackReceiver)
            assert vexora_sandbox.url.startswith("http://127.0.0.1:")
            assert vexora_sandbox.merchant_no == "0000000001"
            assert vexora_sandbox.secret == "sandbox-secret"
            assert vexora_sandbox.admin.health()["status"] == "ok"
            assert vexora_callback_receiver.url.startswith("http://127.0.0.1:")
            assert vexora_callback_receiver.secret == "sandbox-secret"

        def test_payout_query_and_callback(vexora_sandbox, vexora_callback_receiver):
            answer = vexora_sandbox.payout(amount="500", notifyUrl=vexora_callback_receiver.url)
            trade_no = answer["data"]["tradeNo"]
            callback = vexora_callback_receiver.wait_for(trade_no, status="0000", timeout=5)
            assert callback.sign_valid and callback.body["amount"] == "500"
            assert vexora_sandbox.query_payout(trade_no)["data"]["status"] == "0000"
            assert vexora_sandbox.admin.wait_for_callback(trade_no)["acknowledged"]
        """
    )
    result = run()
    result.assert_outcomes(passed=2)


def test_one_server_per_session_reset_before_each_test(pytester: pytest.Pytester, run: Run) -> None:
    pytester.makepyfile(
        """
        seen = []

        def test_first(vexora_sandbox, vexora_callback_receiver):
            seen.append(vexora_sandbox.url)
            answer = vexora_sandbox.payout(tradeNo="SAME-1", notifyUrl=vexora_callback_receiver.url)
            assert answer["code"] == "0000"
            vexora_callback_receiver.wait_for("SAME-1", timeout=5)
            vexora_callback_receiver.reply("FAIL")

        def test_second(vexora_sandbox, vexora_callback_receiver):
            assert vexora_sandbox.url == seen[0]
            assert vexora_sandbox.admin.transactions() == []
            assert vexora_sandbox.admin.requests() == []
            assert vexora_callback_receiver.received == []
            # The tradeNo is free again, and the receiver answers OK again.
            answer = vexora_sandbox.payout(tradeNo="SAME-1", notifyUrl=vexora_callback_receiver.url)
            assert answer["code"] == "0000"
            assert vexora_callback_receiver.wait_for("SAME-1", timeout=5).replied.body == "OK"
        """
    )
    result = run()
    result.assert_outcomes(passed=2)


def test_the_server_starts_only_when_a_test_asks_for_it(
    pytester: pytest.Pytester, run: Run
) -> None:
    pytester.makepyfile(
        """
        import threading

        def running():
            return [t.name for t in threading.enumerate() if t.name.startswith("vexora")]

        def test_without_the_fixture():
            assert running() == []

        def test_with_the_fixture(vexora_sandbox):
            assert "vexora-sandbox-server" in running()
        """
    )
    result = run()
    result.assert_outcomes(passed=2)


def test_the_config_fixture_can_be_overridden(pytester: pytest.Pytester, run: Run) -> None:
    pytester.makefile(
        ".yaml",
        **{
            "scenarios/late": """
            - name: late-rejection
              match: {endpoint: disbursements, account: {suffix: "4242"}}
              callbacks:
                - {after: 1s, status: "00029", message: LATE_REJECTION}
            """
        },
    )
    pytester.makeconftest(
        """
        import pytest
        from vexora_sandbox import SandboxConfig
        from vexora_sandbox.domain.store import Merchant

        @pytest.fixture(scope="session")
        def vexora_sandbox_config():
            return SandboxConfig(
                merchants=(Merchant("0000000077", "my-own-secret"),),
                scenarios="scenarios",
                time_scale=0.001,
            )
        """
    )
    pytester.makepyfile(
        """
        def test_my_merchant_and_scenario(vexora_sandbox, vexora_callback_receiver):
            assert (vexora_sandbox.merchant_no, vexora_sandbox.secret) == (
                "0000000077", "my-own-secret"
            )
            answer = vexora_sandbox.payout(
                accountNo="1234567890124242", notifyUrl=vexora_callback_receiver.url
            )
            assert answer["code"] == "0000"
            callback = vexora_callback_receiver.wait_for(answer["data"]["tradeNo"], timeout=5)
            assert callback.body["message"] == "LATE_REJECTION"
            assert callback.sign_valid  # the receiver verifies with the overridden secret
        """
    )
    result = run()
    result.assert_outcomes(passed=1)


def test_async_tests_use_the_same_fixtures(pytester: pytest.Pytester, run: Run) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.asyncio
        async def test_async(vexora_sandbox, vexora_callback_receiver):
            answer = vexora_sandbox.payout(notifyUrl=vexora_callback_receiver.url)
            callback = await vexora_callback_receiver.await_for(
                answer["data"]["tradeNo"], status="0000", timeout=5
            )
            assert callback.sign_valid
        """
    )
    result = run()
    result.assert_outcomes(passed=1)


def test_the_plugin_can_be_disabled(pytester: pytest.Pytester, run: Run) -> None:
    pytester.makepyfile(
        """
        def test_it(vexora_sandbox):
            pass
        """
    )
    result = run("-p", "no:vexora_sandbox")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'vexora_sandbox' not found*"])


def test_the_plugin_module_imports_no_faker() -> None:
    import subprocess

    code = "import sys, vexora_sandbox.pytest_plugin; assert 'faker' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
