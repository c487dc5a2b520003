"""The checkout page as a payer uses it: headless Chromium, driven by Playwright.

Each button is clicked in a real browser and a CallbackReceiver gets the callback a real
payer's action would cause. The sandbox runs on a manual clock, so the default scenario's
own payer (a SUCCESS after 2 s) never gets in the way unless a test moves the clock.

Needs Playwright and Debian's Chromium: tests/support/browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import browser as chromium

chromium.require_chromium()

from playwright.sync_api import Browser, Page, expect  # noqa: E402

from vexora_sandbox.testing import CallbackReceiver, SandboxServer  # noqa: E402

TRADE_NO = "P20261124000001"
EVIL = chromium.EVIL

# Module-level, so they win over this folder's conftest fixtures of the same names.
playwright = chromium.playwright
browser = chromium.browser
sandbox = chromium.sandbox
receiver = chromium.receiver


@pytest.fixture
def page(browser: Browser, sandbox: SandboxServer, receiver: CallbackReceiver) -> Iterator[Page]:
    sandbox.reset()
    receiver.clear()
    context = browser.new_context()
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    opened.on("dialog", on_dialog)
    elsewhere: list[str] = []
    opened.on(
        "request",
        lambda request: (
            None if request.url.startswith(sandbox.url) else elsewhere.append(request.url)
        ),
    )
    yield opened
    context.close()
    sandbox.raise_errors()
    assert dialogs == [], "a merchant value ran as script"
    assert elsewhere == [], "the page loaded something from elsewhere"


def checkout(sandbox: SandboxServer, receiver: CallbackReceiver, **fields: Any) -> str:
    body = {
        "tradeNo": TRADE_NO,
        "amount": "1001",
        "mobile": "254712345678",
        "notifyUrl": receiver.url,
        "returnUrl": "https://merchant.example/return",
        "remark": "order-42",
        **fields,
    }
    answer = sandbox.call("checkout", body, area="kenya")
    assert answer["code"] == "0000", answer
    url: str = answer["data"]["paymentUrl"]
    assert url == answer["data"]["paymentLink"] and url.startswith(sandbox.url)
    return url


def test_pay_in_full(page: Page, sandbox: SandboxServer, receiver: CallbackReceiver) -> None:
    page.goto(checkout(sandbox, receiver))
    expect(page.locator("#amount")).to_have_text("1001")
    expect(page.locator("#status")).to_have_text("0015")
    expect(page.locator("#message")).to_have_text("Paying")
    page.get_by_role("button", name="Pay in full").click()
    expect(page.locator("#result")).to_have_text("Paid in full.")
    expect(page.locator("#status")).to_have_text("0000")
    callback = receiver.wait_for(TRADE_NO, timeout=10)
    assert callback.sign_valid
    assert (callback.status, callback.body["amount"], callback.body["message"]) == (
        "0000",
        "1001",
        "SUCCESS",
    )
    for button in ("#pay-full", "#pay-part", "#pay-fail"):
        expect(page.locator(button)).to_be_disabled()
    expect(page.locator("#return")).to_have_attribute("href", "https://merchant.example/return")


def test_pay_part_pays_half_by_default(
    page: Page, sandbox: SandboxServer, receiver: CallbackReceiver
) -> None:
    page.goto(checkout(sandbox, receiver))
    expect(page.locator("#part-amount")).to_have_value("500")
    page.locator("#pay-part").click()
    expect(page.locator("#result")).to_have_text("Paid in part.")
    expect(page.locator("#status")).to_have_text("0001")
    expect(page.locator("#paid")).to_have_text("500")
    callback = receiver.wait_for(TRADE_NO, timeout=10)
    assert (callback.status, callback.body["amount"]) == ("0001", "500")
    query = sandbox.call("queryPayInResult", {"tradeNo": TRADE_NO})
    assert (query["data"]["status"], query["data"]["amount"]) == ("0001", "500")


def test_pay_part_of_the_payers_choosing(
    page: Page, sandbox: SandboxServer, receiver: CallbackReceiver
) -> None:
    page.goto(checkout(sandbox, receiver))
    page.locator("#part-amount").fill("1000")
    page.locator("#pay-part").click()
    callback = receiver.wait_for(TRADE_NO, timeout=10)
    assert (callback.status, callback.body["amount"]) == ("0001", "1000")


def test_a_part_that_is_no_part_is_refused_on_the_page(
    page: Page, sandbox: SandboxServer, receiver: CallbackReceiver
) -> None:
    page.goto(checkout(sandbox, receiver))
    page.locator("#part-amount").fill("1001")
    page.locator("#pay-part").click()
    expect(page.locator("#error")).to_contain_text("above 0 and below 1001")
    expect(page.locator("#status")).to_have_text("0015")
    expect(page.locator("#pay-full")).to_be_enabled()
    assert receiver.received == []


def test_fail_the_payment(page: Page, sandbox: SandboxServer, receiver: CallbackReceiver) -> None:
    page.goto(checkout(sandbox, receiver))
    page.get_by_role("button", name="Fail the payment").click()
    expect(page.locator("#result")).to_have_text("The payment failed.")
    expect(page.locator("#status")).to_have_text("00029")
    callback = receiver.wait_for(TRADE_NO, timeout=10)
    assert (callback.status, callback.body["amount"]) == ("00029", "1001")
    # The scenario's own payer (SUCCESS at +2 s) was dropped: the payer was faster.
    sandbox.admin.advance_clock(60)
    assert [c.status for c in receiver.received] == ["00029"]
    assert sandbox.call("queryPayInResult", {"tradeNo": TRADE_NO})["data"]["status"] == "00029"


def test_merchant_values_are_shown_as_text(
    page: Page, sandbox: SandboxServer, receiver: CallbackReceiver
) -> None:
    page.goto(checkout(sandbox, receiver, tradeNo=TRADE_NO, remark=EVIL))
    expect(page.locator("#remark")).to_have_text(EVIL)
    assert page.locator("img").count() == 0 and page.locator("script").count() == 0


def test_an_expired_payment_cannot_be_paid(
    page: Page, sandbox: SandboxServer, receiver: CallbackReceiver
) -> None:
    page.goto(checkout(sandbox, receiver, amount="1908"))
    expect(page.locator("#pay-full")).to_be_enabled()
    sandbox.admin.advance_clock(30 * 60)
    assert receiver.wait_for(TRADE_NO, timeout=10).body["message"] == "EXPIRED"
    page.reload()
    expect(page.locator("#status")).to_have_text("00029")
    expect(page.locator("#message")).to_have_text("EXPIRED")
    expect(page.locator("#pay-full")).to_be_disabled()


def test_a_second_tab_cannot_pay_twice(
    page: Page, sandbox: SandboxServer, receiver: CallbackReceiver
) -> None:
    url = checkout(sandbox, receiver)
    other = page.context.new_page()
    page.goto(url)
    other.goto(url)
    page.locator("#pay-full").click()
    expect(page.locator("#status")).to_have_text("0000")
    other.locator("#pay-fail").click()
    expect(other.locator("#error")).to_have_text("This payment is already final (0000 SUCCESS).")
    receiver.wait_for(TRADE_NO, timeout=10)
    assert [c.status for c in receiver.received] == ["0000"]
