"""The dashboard as a developer uses it: headless Chromium, driven by Playwright.

A payout sent by the test shows up live on the calls page, its order page shows the
callback attempts, the force button changes the status and a callback follows, and a
hostile remark is shown as text. The sandbox runs on a manual clock.

With ``VEXORA_SANDBOX_SCREENSHOTS=1`` the tests also write the screenshots shown in
docs/dashboard.md to docs/images/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import browser as chromium

chromium.require_chromium()

from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, expect  # noqa: E402

from vexora_sandbox.testing import CallbackReceiver, Reply, SandboxServer  # noqa: E402

IMAGES = Path(__file__).parents[2] / "docs" / "images"
SCREENSHOTS = os.environ.get("VEXORA_SANDBOX_SCREENSHOTS") == "1"
UI = "/_sandbox/ui"
EVIL = chromium.EVIL

# Module-level, so they win over this folder's conftest fixtures of the same names.
playwright = chromium.playwright
browser = chromium.browser
sandbox = chromium.sandbox
receiver = chromium.receiver


def screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    if SCREENSHOTS:
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMAGES / f"{name}.png"), full_page=full_page)


@pytest.fixture
def page(browser: Browser, sandbox: SandboxServer, receiver: CallbackReceiver) -> Iterator[Page]:
    sandbox.reset()
    receiver.clear()
    context = browser.new_context(viewport={"width": 1100, "height": 620})
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    blocked: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security" in message.text:
            blocked.append(message.text)

    opened.on("dialog", on_dialog)
    opened.on("console", on_console)
    yield opened
    context.close()
    sandbox.raise_errors()
    assert dialogs == [], "a value ran as script"
    assert blocked == [], "the page broke its own Content Security Policy"


def test_a_payout_appears_live_on_the_calls_page(
    page: Page, sandbox: SandboxServer, receiver: CallbackReceiver
) -> None:
    page.goto(sandbox.url + UI + "/calls")
    expect(page.locator("#calls")).to_contain_text("No call yet")
    # Wait until the page listens: the stream's first bytes have arrived.
    page.wait_for_function("() => document.readyState === 'complete'")
    page.wait_for_timeout(300)
    answer = sandbox.payout(tradeNo="T20261124000001", notifyUrl=receiver.url)
    assert answer["code"] == "0000"
    row = page.locator("#calls tbody tr").first
    expect(row).to_contain_text("T20261124000001")  # no reload: the live stream
    expect(row).to_contain_text("disbursements")
    screenshot(page, "dashboard-calls")


def test_the_order_page_shows_the_callback_attempts(
    page: Page, sandbox: SandboxServer, receiver: CallbackReceiver
) -> None:
    receiver.reply(Reply(status=500, body="FAIL"))
    sandbox.payout(tradeNo="T20261124000002", notifyUrl=receiver.url, remark="order-42")
    sandbox.admin.advance_clock(3)  # refused at +2 s; the retry is due 2 s later
    receiver.reply(Reply())
    sandbox.admin.advance_clock(3)  # acknowledged
    page.goto(f"{sandbox.url}{UI}/orders/0000000001/T20261124000002")
    expect(page.locator("#status")).to_have_text("0000")
    rows = page.locator("#attempts tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("HTTP 500 FAIL")
    expect(rows.nth(1)).to_contain_text("acknowledged")
    expect(page.locator("#timeline circle.mark-failed")).to_have_count(1)
    expect(page.locator("#timeline circle.mark-ack")).to_have_count(1)
    screenshot(page, "dashboard-order", full_page=True)


def test_the_force_button_changes_the_status_and_a_callback_follows(
    page: Page, sandbox: SandboxServer, receiver: CallbackReceiver
) -> None:
    sandbox.payout(tradeNo="T20261124000003", notifyUrl=receiver.url)
    page.goto(f"{sandbox.url}{UI}/orders/0000000001/T20261124000003")
    expect(page.locator("#status")).to_have_text("0015")
    page.locator("#force-status").fill("00029")
    page.locator("#force").click()
    expect(page.locator("#done")).to_contain_text("Status 0015 -> 00029")
    expect(page.locator("#status")).to_have_text("00029")
    callback = receiver.wait_for("T20261124000003", "00029", timeout=10)
    assert callback.sign_valid is None or callback.sign_valid
    expect(page.locator("#attempts")).to_contain_text("acknowledged")  # live, no reload


def test_a_hostile_remark_is_shown_as_text(
    page: Page, sandbox: SandboxServer, receiver: CallbackReceiver
) -> None:
    sandbox.payout(tradeNo="T20261124000004", notifyUrl=receiver.url, remark=EVIL)
    page.goto(f"{sandbox.url}{UI}/orders/0000000001/T20261124000004")
    expect(page.locator("#remark")).to_have_text(EVIL)
    assert page.locator("main img").count() == 0 and page.locator("main script").count() == 0
    page.goto(f"{sandbox.url}{UI}/orders")
    expect(page.locator("#orders")).to_contain_text(EVIL)
    screenshot(page, "dashboard-orders")
