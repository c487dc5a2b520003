"""The plugin's tests run pytest inside pytest, through the ``pytester`` fixture."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Run = Callable[..., pytest.RunResult]

# Inner runs skip Hypothesis's plugin: it imports Hypothesis at the end of each session,
# and pytester forgets the modules an inner run imported, so every run paid 3 s for it.
QUIET = (
    "-p",
    "no:cacheprovider",
    "-p",
    "no:hypothesispytest",
    "-o",
    "asyncio_default_fixture_loop_scope=function",
)


def pytest_configure(config: pytest.Config) -> None:
    # ``pytest_plugins = ["pytester"]`` is refused in a conftest below the rootdir once the
    # whole suite is collected; registering the plugin when this conftest is loaded has the
    # same effect.
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@pytest.fixture
def run(pytester: pytest.Pytester) -> Run:
    """Run pytest in-process on the files the test made, as a merchant's project would."""

    def runpytest(*args: str) -> pytest.RunResult:
        return pytester.runpytest(*QUIET, *args)

    return runpytest
