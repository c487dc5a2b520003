"""The hosted payment page over plain HTTP: what it shows, how it escapes, what its
buttons do. tests/payins/test_checkout_page_browser.py drives the same page in Chromium."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, TEST_SCENARIOS, payout_body
from tests.payins.conftest import TIMESTAMP, funds, payin_body
from vexora_sandbox import SandboxConfig, keys
from vexora_sandbox.testing import CallbackReceiver

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Advance = Callable[[float], Awaitable[int]]
Balance = Callable[..., Awaitable[dict[str, str]]]
Client = TestClient[web.Request, web.Application]
EVIL = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>&amp;"


async def create(gateway: Gateway, area: str = "kenya", **fields: Any) -> str:
    endpoint = fields.pop("endpoint", "checkout")
    _, answer = await gateway(endpoint, payin_body(area, endpoint, **fields), prefix=f"/{area}")
    assert answer["code"] == "0000", answer
    url: str = answer["data"]["paymentUrl"]
    return url[url.index("/_sandbox/") :]


async def press(
    client: Client, path: str, action: str, amount: str | None = None
) -> tuple[int, str, str]:
    form = {"action": action} if amount is None else {"action": action, "amount": amount}
    response = await client.post(path, data=form, allow_redirects=False)
    return response.status, response.headers.get("Location", ""), await response.text()


def text_of(page: str, ident: str) -> str:
    match = re.search(rf'id="{ident}"[^>]*>([^<]*)<', page)
    assert match, f"no element {ident}"
    return match.group(1)


# --- what the page shows -------------------------------------------------------------


async def test_the_page_shows_the_order(gateway: Gateway, client: Client) -> None:
    path = await create(gateway, "cambodia", channelCode="EWALLET", wayCode="LANTON")
    response = await client.get(path)
    assert (response.status, response.content_type, response.charset) == (
        200,
        "text/html",
        "utf-8",
    )
    page = await response.text()
    assert text_of(page, "amount") == "1000"
    assert text_of(page, "currency") == "KHR"
    assert text_of(page, "status") == "0015"
    assert text_of(page, "message") == "Paying"
    assert text_of(page, "trade-no") == "P20261124000001"
    assert text_of(page, "merchant-no") == MERCHANT_NO
    assert text_of(page, "remark") == "order-42"
    assert text_of(page, "channelcode") == "EWALLET"
    assert text_of(page, "waycode") == "LANTON"
    assert text_of(page, "pay-full") == "Pay in full"
    assert text_of(page, "pay-part") == "Pay part"
    assert text_of(page, "pay-fail") == "Fail the payment"
    assert 'id="part-amount" name="amount" inputmode="decimal" value="500"' in page
    assert " disabled" not in page


async def test_the_page_loads_nothing_from_elsewhere(gateway: Gateway, client: Client) -> None:
    response = await client.get(await create(gateway))
    page = await response.text()
    assert not re.search(r"<(script|img|link|iframe)|src=|url\(|@import", page)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


async def test_every_merchant_value_is_escaped(gateway: Gateway, client: Client) -> None:
    path = await create(
        gateway,
        "cambodia",
        tradeNo="<b>T\"1'</b>&",
        remark=EVIL,
        channelCode=EVIL,
        wayCode=EVIL,
        returnUrl='https://merchant.example/return?a=1&b="><script>x</script>',
    )
    await gateway("queryBalance", {"timestamp": TIMESTAMP})
    page = await (await client.get(path)).text()
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert text_of(page, "trade-no") == "&lt;b&gt;T&quot;1&#x27;&lt;/b&gt;&amp;"
    escaped = (
        "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#x27;&gt;&lt;img src=x "
        "onerror=alert(2)&gt;&amp;amp;"
    )
    assert text_of(page, "remark") == escaped
    assert text_of(page, "channelcode") == escaped
    # Once final, the way back is a link whose quotes are escaped too.
    await press(client, path, "full")
    page = await (await client.get(path)).text()
    assert (
        '<a id="return" href="https://merchant.example/return?a=1&amp;b=&quot;&gt;'
        '&lt;script&gt;x&lt;/script&gt;">' in page
    )


# Strict rules refuse such a returnUrl; lenient validation lets it through to the page.
@pytest.mark.parametrize("config", [SandboxConfig(scenarios=TEST_SCENARIOS, validation="lenient")])
async def test_a_return_url_that_is_not_http_is_never_a_link(
    gateway: Gateway, client: Client
) -> None:
    path = await create(gateway, "kenya", returnUrl="javascript:alert(1)")
    await press(client, path, "full")
    page = await (await client.get(path)).text()
    assert 'id="return"' not in page and "javascript:" not in page


async def test_no_way_back_while_the_payment_is_open(gateway: Gateway, client: Client) -> None:
    page = await (await client.get(await create(gateway, "kenya"))).text()
    assert 'id="return"' not in page


@pytest.mark.parametrize(
    "path",
    [
        f"/_sandbox/pay/{MERCHANT_NO}/VXP0000000099nothere",
        "/_sandbox/pay/0000000099/VXP0000000001",
        "/_sandbox/pay/%3Cscript%3E/%3Cscript%3E",
    ],
)
async def test_an_unknown_payment_is_a_404_page(client: Client, path: str) -> None:
    for method in ("GET", "POST"):
        response = await client.request(method, path, data={"action": "full"})
        page = await response.text()
        assert (response.status, response.content_type) == (404, "text/html")
        assert "No such payment" in page and "<script>" not in page


async def test_a_payouts_number_has_no_page(gateway: Gateway, client: Client) -> None:
    _, answer = await gateway("disbursements", payout_body())
    response = await client.get(f"/_sandbox/pay/{MERCHANT_NO}/{answer['data']['platFormTradeNo']}")
    assert response.status == 404


@pytest.mark.parametrize(
    "config", [SandboxConfig(scenarios=TEST_SCENARIOS, public_url="http://sandbox.example")]
)
async def test_the_page_is_served_whatever_the_public_url(gateway: Gateway, client: Client) -> None:
    path = await create(gateway)
    assert (await client.get(path)).status == 200


# --- the buttons ---------------------------------------------------------------------


async def test_pay_in_full(
    gateway: Gateway, client: Client, receiver: CallbackReceiver, balance: Balance
) -> None:
    path = await create(gateway, "kenya", notify_url=receiver.url)
    status, location, _ = await press(client, path, "full")
    assert (status, location) == (303, f"{path}?done=full")
    callback = await receiver.await_for("P20261124000001", timeout=5)
    assert callback.sign_valid
    assert (callback.status, callback.body["message"], callback.body["amount"]) == (
        "0000",
        "SUCCESS",
        "1000",
    )
    page = await (await client.get(location)).text()
    assert text_of(page, "status") == "0000"
    assert text_of(page, "result") == "Paid in full."
    assert page.count(" disabled") == 4
    assert await balance(prefix="/kenya") == funds("100000000.00", unsettled="1000.00")


async def test_pay_part_pays_half_by_default(
    gateway: Gateway, client: Client, receiver: CallbackReceiver, balance: Balance
) -> None:
    path = await create(gateway, "kenya", notify_url=receiver.url, amount="1001")
    status, location, _ = await press(client, path, "partial", "500")
    assert (status, location) == (303, f"{path}?done=partial")
    callback = await receiver.await_for("P20261124000001", timeout=5)
    assert (callback.status, callback.body["amount"]) == ("0001", "500")
    _, answer = await gateway(
        "queryPayInResult", {"tradeNo": "P20261124000001", "timestamp": TIMESTAMP}
    )
    assert (answer["data"]["status"], answer["data"]["amount"]) == ("0001", "500")
    page = await (await client.get(location)).text()
    assert (text_of(page, "paid"), text_of(page, "result")) == ("500", "Paid in part.")
    assert await balance(prefix="/kenya") == funds("100000000.00", unsettled="500.00")


async def test_pay_part_takes_the_amount_the_payer_types(
    gateway: Gateway, client: Client, receiver: CallbackReceiver
) -> None:
    path = await create(gateway, "malaysia", notify_url=receiver.url, amount="1000.00")
    await press(client, path, "partial", " 123.45 ")
    callback = await receiver.await_for("P20261124000001", timeout=5)
    assert (callback.status, callback.body["amount"]) == ("0001", "123.45")


@pytest.mark.parametrize("amount", ["0", "-1", "abc", "1000", "1000.01", "NaN", "Infinity", ""])
async def test_pay_part_refuses_an_amount_that_is_no_part(
    gateway: Gateway, client: Client, app: web.Application, amount: str
) -> None:
    path = await create(gateway, "kenya")
    status, _, page = await press(client, path, "partial", amount)
    assert status == 400
    assert text_of(page, "error").startswith("The part to pay must be a number above 0 and below")
    assert app[keys.STORE].order(MERCHANT_NO, "P20261124000001").status == "0015"


async def test_fail_the_payment(
    gateway: Gateway, client: Client, receiver: CallbackReceiver, balance: Balance
) -> None:
    path = await create(gateway, "kenya", notify_url=receiver.url)
    assert (await press(client, path, "fail"))[:2] == (303, f"{path}?done=fail")
    callback = await receiver.await_for("P20261124000001", timeout=5)
    assert (callback.status, callback.body["message"]) == ("00029", "REJECTED_TRANSACTION")
    assert "successTime" not in callback.body
    assert await balance(prefix="/kenya") == funds("100000000.00")


async def test_a_final_payment_takes_no_more_actions(
    gateway: Gateway, client: Client, receiver: CallbackReceiver, advance: Advance
) -> None:
    path = await create(gateway, "kenya", notify_url=receiver.url)
    await advance(2)  # the scenario's payer paid
    status, _, page = await press(client, path, "fail")
    assert status == 409
    assert text_of(page, "error") == "This payment is already final (0000 SUCCESS)."
    assert [c.status for c in receiver.received] == ["0000"]


async def test_an_unknown_action_is_a_400_page(gateway: Gateway, client: Client) -> None:
    status, _, page = await press(client, await create(gateway), "<refund>")
    assert status == 400
    assert "&lt;refund&gt;" in page and "<refund>" not in page


async def test_the_payer_overrides_the_scenarios_pending_callback(
    gateway: Gateway,
    client: Client,
    receiver: CallbackReceiver,
    advance: Advance,
    app: web.Application,
) -> None:
    path = await create(gateway, "kenya", notify_url=receiver.url)
    await press(client, path, "fail")
    await receiver.await_for("P20261124000001", timeout=5)
    await advance(60)  # the default scenario's SUCCESS was due at +2 s
    assert [c.status for c in receiver.received] == ["00029"]
    origins = [(d.origin, d.cancelled) for d in app[keys.DISPATCHER].deliveries]
    assert origins == [("scenario", True), ("payer", False)]


@pytest.mark.parametrize("endpoint", ["checkout", "deposits"])
async def test_a_p2p_payment_takes_the_trxid_on_the_page_before_anything_else(
    gateway: Gateway,
    client: Client,
    receiver: CallbackReceiver,
    advance: Advance,
    app: web.Application,
    endpoint: str,
) -> None:
    path = await create(gateway, "bangladesh", endpoint=endpoint, notify_url=receiver.url)
    page = await (await client.get(path)).text()
    assert text_of(page, "submit-reference") == "Submit trxId"
    assert 'id="pay-full" name="action" value="full" disabled' in page
    status, _, page = await press(client, path, "full")
    assert status == 409
    assert text_of(page, "error") == (
        "This P2P payment waits for the wallet&#x27;s transaction id (trxId): submit it first."
    )
    await advance(60)
    assert receiver.received == []

    response = await client.post(
        path, data={"action": "submit", "reference": " 8N7A6D5E4F "}, allow_redirects=False
    )
    assert (response.status, response.headers["Location"]) == (303, f"{path}?done=submit")
    order = app[keys.STORE].order(MERCHANT_NO, "P20261124000001")
    assert (order.extras["trxId"], order.awaits_submit) == ("8N7A6D5E4F", False)
    await advance(1.9)
    assert receiver.received == []
    await advance(0.1)
    callback = await receiver.await_for("P20261124000001", timeout=5)
    assert (callback.status, callback.sign_valid) == ("0000", True)
    # The submit through the API now finds the order final.
    _, answer = await gateway(
        "payinSubmit",
        {"platFormTradeNo": order.platform_trade_no, "trxId": "X1", "timestamp": TIMESTAMP},
        prefix="/bangladesh",
    )
    assert answer["data"] is False


@pytest.mark.parametrize("reference", ["", "   ", "x" * 65])
async def test_a_bad_trxid_on_the_page_is_refused(
    gateway: Gateway, client: Client, app: web.Application, reference: str
) -> None:
    path = await create(gateway, "bangladesh")
    response = await client.post(path, data={"action": "submit", "reference": reference})
    assert response.status == 400
    assert "must be 1 to 64 characters" in await response.text()
    assert app[keys.STORE].order(MERCHANT_NO, "P20261124000001").awaits_submit


async def test_an_order_that_does_not_wait_refuses_a_trxid(
    gateway: Gateway, client: Client
) -> None:
    path = await create(gateway, "bangladesh", wayCode="BKASH_OFFICIAL")
    page = await (await client.get(path)).text()
    assert 'id="submit-reference"' not in page
    response = await client.post(path, data={"action": "submit", "reference": "X"})
    assert response.status == 409
    assert "not waiting for a transaction id" in await response.text()


async def test_a_waiting_p2p_payment_can_still_fail(
    gateway: Gateway, client: Client, receiver: CallbackReceiver
) -> None:
    path = await create(gateway, "bangladesh", notify_url=receiver.url)
    status, _, _ = await press(client, path, "fail")
    assert status == 303
    assert (await receiver.await_for("P20261124000001", timeout=5)).status == "00029"


async def test_an_expired_payment_shows_it(
    gateway: Gateway, client: Client, advance: Advance
) -> None:
    path = await create(gateway, "kenya", amount="1908")
    await advance(29 * 60)
    assert " disabled" not in await (await client.get(path)).text()
    await advance(60)
    page = await (await client.get(path)).text()
    assert (text_of(page, "status"), text_of(page, "message")) == ("00029", "EXPIRED")
    assert page.count(" disabled") == 4


class TestWithAnAdminToken:
    @pytest.fixture
    def config(self) -> SandboxConfig:
        return SandboxConfig(scenarios=TEST_SCENARIOS, admin_token="t0ken")

    async def test_a_payer_needs_no_token_but_the_admin_routes_do(
        self, gateway: Gateway, client: Client
    ) -> None:
        path = await create(gateway)
        page = await client.get(path)
        assert page.status == 200
        assert (await press(client, path, "full"))[0] in (200, 303)
        assert (await client.get("/_sandbox/transactions")).status == 401


async def test_a_form_that_is_not_utf_8_is_a_400_page(gateway: Gateway, client: Client) -> None:
    # The payer's page parses its form like the dashboard's, where outside fuzzing found a
    # 500 for a body that is not UTF-8.
    path = await create(gateway)
    response = await client.post(
        path,
        data=b"action=\x8b\xff",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
    )
    assert response.status == 400
    assert "not valid form data" in await response.text()
