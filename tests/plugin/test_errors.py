"""An exception inside the in-process sandbox fails the test that caused it, with its traceback."""

from __future__ import annotations

import pytest

from tests.plugin.conftest import Run

# A handler that raises: a bug in the sandbox, as far as the merchant's test can tell.
BROKEN_HANDLER = """
import pytest
from vexora_sandbox.api.operations import OPERATIONS, Operation

@pytest.fixture
def broken_payouts(monkeypatch):
    def disbursements_with_a_bug(app, call, scenario):
        raise ZeroDivisionError("the sandbox divided by zero")

    monkeypatch.setitem(OPERATIONS, "disbursements", Operation(disbursements_with_a_bug))
"""


def test_a_test_that_ignores_the_5000_still_fails(pytester: pytest.Pytester, run: Run) -> None:
    pytester.makeconftest(BROKEN_HANDLER)
    pytester.makepyfile(
        """
        def test_caller(vexora_sandbox, broken_payouts):
            vexora_sandbox.payout()  # answered 5000; the test itself checks nothing

        def test_next_one_is_clean(vexora_sandbox):
            assert vexora_sandbox.query_payout("NOPE")["code"] == "8000"
        """
    )
    result = run()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_caller _*",
            "*def disbursements_with_a_bug(app, call, scenario):",
            '>*raise ZeroDivisionError("the sandbox divided by zero")',
            "E*ZeroDivisionError: the sandbox divided by zero",
            "E*raised inside the in-process Vexora sandbox*while serving this test*",
            "*FAILED *::test_caller - Zero*",
        ]
    )


def test_the_sandbox_error_follows_the_tests_own_failure(
    pytester: pytest.Pytester, run: Run
) -> None:
    pytester.makeconftest(BROKEN_HANDLER)
    pytester.makepyfile(
        """
        def test_caller(vexora_sandbox, broken_payouts):
            assert vexora_sandbox.payout()["code"] == "0000"
        """
    )
    result = run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*AssertionError: assert '5000' == '0000'",
            "*During handling of the above exception, another exception occurred:*",
            "E*ZeroDivisionError: the sandbox divided by zero",
        ]
    )


def test_several_errors_are_all_named(pytester: pytest.Pytester, run: Run) -> None:
    pytester.makeconftest(BROKEN_HANDLER)
    pytester.makepyfile(
        """
        def test_caller(vexora_sandbox, broken_payouts):
            for _ in range(3):
                vexora_sandbox.payout()
        """
    )
    result = run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["E*the sandbox raised 2 more exception(s) after it: ZeroDivisionError*"]
    )


def test_a_test_without_the_sandbox_is_not_blamed(pytester: pytest.Pytester, run: Run) -> None:
    pytester.makeconftest(BROKEN_HANDLER)
    pytester.makepyfile(
        """
        def test_caller(vexora_sandbox, broken_payouts):
            vexora_sandbox.payout()

        def test_bystander():
            pass
        """
    )
    result = run("-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*::test_caller FAILED*", "*::test_bystander PASSED*"])
