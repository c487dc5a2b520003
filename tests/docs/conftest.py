"""The docs' code blocks run pytest sessions of their own (``pytester``)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # As in tests/plugin/conftest.py: ``pytest_plugins`` is refused in a conftest below
    # the rootdir when the whole suite is collected.
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")
