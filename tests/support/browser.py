"""What the browser tests share: Debian's Chromium driven by Playwright, a sandbox on a
manual clock and a callback receiver, each started once per module.

The browser tests live with their feature (``tests/payins/``, ``tests/dashboard/``), whose
conftest files have fixtures of the same names (a ``receiver`` per test). Each browser
module imports these fixtures, so they are module-level there and win over its folder's.

Needs Playwright for Python and Debian's Chromium (never ``playwright install``)::

    apt-get update && apt-get install -y chromium
    .venv/bin/pip install playwright
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from vexora_sandbox.testing import CallbackReceiver, SandboxServer

CHROMIUM = Path("/usr/bin/chromium")
# As root on a machine with a closed network: no sandbox, and no background connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A merchant value a page must show as text, never run.
EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>"

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright


def require_chromium() -> None:
    """Skip the calling test module unless Playwright and Debian's Chromium are there
    (.ci/run installs both, and fails on a skip)."""
    pytest.importorskip(
        "playwright.sync_api",
        reason="Playwright for Python is not installed (.venv/bin/pip install playwright)",
    )
    if not CHROMIUM.exists():
        pytest.skip(
            f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)",
            allow_module_level=True,
        )


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(clock="manual") as server:
        yield server


@pytest.fixture(scope="module")
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver() as running:
        yield running


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()
