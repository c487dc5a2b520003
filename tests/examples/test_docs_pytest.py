"""docs/pytest.md's examples, run as printed: each ``<!-- example: DIR/FILE -->`` block is a
file of a little project, and each project is a pytest session of its own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from vexora_sandbox import SandboxServer

DOC = Path(__file__).parents[2] / "docs" / "pytest.md"
EXAMPLE = re.compile(r"<!-- example: (?P<path>[\w./-]+) -->\n```\w+\n(?P<code>.*?)```", re.S)
# As in tests/plugin: Hypothesis's plugin re-imports Hypothesis in every inner session.
QUIET = (
    "-p",
    "no:cacheprovider",
    "-p",
    "no:hypothesispytest",
    "-o",
    "asyncio_default_fixture_loop_scope=function",
)


def projects() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for match in EXAMPLE.finditer(DOC.read_text("utf-8")):
        project, _, path = match["path"].partition("/")
        found.setdefault(project, {})[path] = match["code"]
    return found


PROJECTS = projects()
TEST = re.compile(r"^\s*(?:async )?def test_", re.M)
# A project that overrides vexora_sandbox_config needs a sandbox started with that config.
PORTABLE = sorted(name for name, files in PROJECTS.items() if "conftest.py" not in files)


def test_the_doc_has_its_examples() -> None:
    assert sorted(PROJECTS) == [
        "config",
        "fixtures",
        "manual-clock",
        "my-client",
        "plain",
        "readme",
        "receiver",
    ]
    (readme,) = PROJECTS["readme"].values()
    assert len(readme.strip().splitlines()) == 5


def write(pytester: pytest.Pytester, files: dict[str, str]) -> int:
    """Write the project's files; the number of tests in them."""
    for path, code in files.items():
        target = pytester.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
    return sum(len(TEST.findall(code)) for code in files.values())


@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_the_example_runs_in_process(project: str, pytester: pytest.Pytester) -> None:
    tests = write(pytester, PROJECTS[project])
    result = pytester.runpytest(*QUIET)
    result.assert_outcomes(passed=tests)


@pytest.fixture(scope="module")
def running() -> Iterator[SandboxServer]:
    """A sandbox "elsewhere", as a container would be, with the settings the docs advise."""
    with SandboxServer(time_scale=0.01, admin_token="ci-token") as server:
        yield server


@pytest.mark.parametrize("project", PORTABLE)
def test_the_example_runs_against_a_running_sandbox(
    project: str,
    pytester: pytest.Pytester,
    running: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VEXORA_SANDBOX_URL", running.url)
    monkeypatch.setenv("VEXORA_SANDBOX_ADMIN_TOKEN", "ci-token")
    tests = write(pytester, PROJECTS[project])
    result = pytester.runpytest(*QUIET)
    result.assert_outcomes(passed=tests)
    assert running.errors == []
