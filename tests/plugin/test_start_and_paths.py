"""What a merchant's ``pytest`` pays for the plugin, and where its relative paths point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugin.conftest import Run

SHOP_CONFTEST = """
import pytest
from vexora_sandbox import Merchant, SandboxConfig

@pytest.fixture(scope="session")
def vexora_sandbox_config():
    return SandboxConfig(
        merchants=(Merchant("0000000042", "shop-secret", area="default"),),
        scenarios="{scenarios}",
        time_scale=0.01,
    )
"""
SHOP_SCENARIO = """
- name: holiday
  match: {endpoint: disbursements, account: {suffix: "7777"}}
  callbacks:
    - {after: 1s, status: "00029", message: BANK_HOLIDAY}
"""
SHOP_TEST = """
def test_my_scenario(vexora_sandbox, vexora_callback_receiver):
    answer = vexora_sandbox.payout(
        accountNo="12340000007777", notifyUrl=vexora_callback_receiver.url
    )
    callback = vexora_callback_receiver.wait_for(answer["data"]["tradeNo"])
    assert callback.body["message"] == "BANK_HOLIDAY"
"""


def test_loading_the_plugin_imports_neither_aiohttp_nor_the_server() -> None:
    code = (
        "import sys, vexora_sandbox.pytest_plugin, vexora_sandbox.testing;"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'aiohttp'"
        " or m in ('vexora_sandbox.app', 'vexora_sandbox.server'));"
        "print(loaded)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout == "[]\n"


def test_collecting_a_merchants_tests_does_not_start_or_import_the_server(
    pytester: pytest.Pytester,
) -> None:
    """In a process of its own: this suite's process has long imported the server."""
    pytester.makeconftest(
        """
        import sys

        def pytest_collection_finish(session):
            print("server imported:", "vexora_sandbox.server" in sys.modules)
        """
    )
    pytester.makepyfile("def test_payout(vexora_sandbox):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--co", "-s")
    result.stdout.fnmatch_lines(["server imported: False"])


def test_relative_scenarios_are_found_beside_the_conftest_that_names_them(
    pytester: pytest.Pytester, run: Run
) -> None:
    """pytest runs from the project root; the conftest and its scenarios are in shop/."""
    shop = pytester.mkdir("shop")
    (shop / "conftest.py").write_text(SHOP_CONFTEST.format(scenarios="scenarios"), "utf-8")
    (shop / "scenarios").mkdir()
    (shop / "scenarios" / "shop.yaml").write_text(SHOP_SCENARIO, "utf-8")
    (shop / "test_shop.py").write_text(SHOP_TEST, "utf-8")
    run("shop").assert_outcomes(passed=1)


def test_a_missing_scenario_path_is_shown_absolute(pytester: pytest.Pytester, run: Run) -> None:
    shop = pytester.mkdir("shop")
    (shop / "conftest.py").write_text(SHOP_CONFTEST.format(scenarios="missing"), "utf-8")
    (shop / "test_shop.py").write_text(SHOP_TEST, "utf-8")
    result = run("shop")
    result.assert_outcomes(errors=1)
    missing = Path(shop) / "missing"
    result.stdout.fnmatch_lines([f"*{missing}: no such file or directory*"])
