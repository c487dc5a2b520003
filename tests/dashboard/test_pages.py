"""The dashboard's pages show what the sandbox did, every value escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from typing import Any

from tests.conftest import MERCHANT_NO, SECRET, payout_body, signed
from tests.dashboard.conftest import EVIL, UI, Client, page

Payout = Callable[..., Awaitable[dict[str, Any]]]
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


async def _advance(client: Client, seconds: float) -> None:
    response = await client.post("/_sandbox/clock/advance", json={"seconds": seconds})
    assert response.status == 200


async def test_the_calls_page_lists_calls_newest_first_with_body_answer_and_errors(
    client: Client, payout: Payout
) -> None:
    await payout("T1")
    bad = signed(payout_body(tradeNo="T2", mobile="123"))
    await client.post("/v1/vexora/disbursements", json=bad, headers={"merchantNo": MERCHANT_NO})
    text = await page(client, "/calls")
    rows = re.findall(r'<tr class="(ok|bad)" data-id="(\d+)">', text)
    assert rows == [("bad", "2"), ("ok", "1")]
    assert f'href="{UI}/orders/{MERCHANT_NO}/T1">T1</a>' in text
    assert "mobile must be a 10-digit number starting with 0" in text
    assert "&#34;tradeNo&#34;: &#34;T1&#34;" in text  # the body, as JSON text


async def test_a_sign_error_shows_its_base_with_the_placeholder(client: Client) -> None:
    body = signed(payout_body(), "wrong-secret")
    await client.post("/v1/vexora/disbursements", json=body, headers={"merchantNo": MERCHANT_NO})
    text = await page(client, "/calls")
    base = re.search(r'<pre class="sign-base">(.*?)</pre>', text, re.S)
    assert base and base.group(1).endswith("{secret}")
    assert SECRET not in text


async def test_hostile_values_are_shown_as_text_on_every_page(
    client: Client, payout: Payout
) -> None:
    await payout("T1", remark=EVIL)
    await client.post(
        "/v1/vexora/disbursements",
        json={"tradeNo": EVIL, "firstname": EVIL, "sign": "x"},
        headers={"merchantNo": EVIL},
    )
    for path in ("/calls", "/orders", f"/orders/{MERCHANT_NO}/T1", "/balances", "/scenarios"):
        text = await page(client, path)
        assert "<script>alert" not in text and "<img src=x" not in text, path
    order = await page(client, f"/orders/{MERCHANT_NO}/T1")
    assert f'<dd id="remark">{html.escape(EVIL)}</dd>' in order


async def test_every_page_has_the_strict_content_security_policy(client: Client) -> None:
    for path in ("/calls", "/orders", "/balances", "/scenarios", "/orders/x/y"):
        response = await client.get(UI + path)
        assert response.headers["Content-Security-Policy"] == CSP, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    script = await client.get(UI + "/static/live.js")
    assert (script.status, script.content_type) == (200, "text/javascript")


async def test_orders_filter_by_merchant_area_trade_no_and_status(
    client: Client, payout: Payout
) -> None:
    await payout("T1")
    await payout("T2", accountNo="0000003100012345990029")  # rejected 3 s later
    await _advance(client, 3)
    everything = await page(client, "/orders")
    assert "2 order(s)" in everything
    rejected = await page(client, "/orders?status=00029")
    assert "1 order(s)" in rejected and ">T2</a>" in rejected and ">T1</a>" not in rejected
    assert "1 order(s)" in await page(client, "/orders?tradeNo=T1")
    assert "0 order(s)" in await page(client, "/orders?merchantNo=0000000002")
    assert "0 order(s)" in await page(client, "/orders?area=indonesia")
    assert "2 order(s)" in await page(client, f"/orders?merchantNo={MERCHANT_NO}&area=default")


async def test_an_order_page_has_its_history_and_a_timeline_of_attempts(
    client: Client, payout: Payout, receiver: Any
) -> None:
    from vexora_sandbox import Reply

    receiver.reply(Reply(status=500, body="FAIL"))
    await payout("T1")
    await _advance(client, 3)  # attempt 1 at +2 s, refused; retry due at +4 s
    receiver.reply(Reply())
    await _advance(client, 3)  # attempt 2, acknowledged
    text = await page(client, f"/orders/{MERCHANT_NO}/T1")
    assert '<dd id="status">0000</dd>' in text
    history = re.search(r'<table id="history">(.*?)</table>', text, re.S)
    assert history and re.findall(r"<td>(\d{4,5})</td>", history.group(1)) == ["0000"]
    svg = re.search(r'<svg id="timeline".*?</svg>', text, re.S)
    assert svg
    marks = re.findall(r'class="mark-(\w+)"><title>([^<]*)</title>', svg.group(0))
    assert [kind for kind, _ in marks] == ["created", "failed", "ack"]
    assert "attempt 1 at " in marks[1][1] and "HTTP 500 &#39;FAIL&#39;" in marks[1][1]
    assert ">acknowledged</text>" in svg.group(0)
    attempts = re.search(r'<table id="attempts">(.*?)</table>', text, re.S)
    assert attempts and attempts.group(1).count("<tr class=") == 2
    assert "retry at " in attempts.group(1) and "acknowledged" in attempts.group(1)


async def test_a_pending_retry_is_drawn_hollow_where_it_is_due(
    client: Client, payout: Payout, receiver: Any
) -> None:
    from vexora_sandbox import Reply

    receiver.reply(Reply(status=200, body="nope"))
    await payout("T1")
    await _advance(client, 3)
    text = await page(client, f"/orders/{MERCHANT_NO}/T1")
    kinds = re.findall(r'class="mark-(\w+)"><title>', text)
    assert kinds == ["created", "failed", "next"]
    assert ">pending</text>" in text


async def test_an_unknown_order_is_a_404_page(client: Client) -> None:
    text = await page(client, f"/orders/{MERCHANT_NO}/nope", status=404)
    assert f"There is no order nope of merchant {MERCHANT_NO}." in text


async def test_balances_and_scenarios(client: Client, payout: Payout) -> None:
    await payout("T1", amount="250")
    balances = await page(client, "/balances")
    row = re.search(
        rf"{MERCHANT_NO}</a></td><td>default</td>\s*<td>([\d.]+)</td><td>([\d.]+)</td>", balances
    )
    assert row and row.group(2) == "250.00"
    assert "0000000002" in balances and "indonesia" in balances
    scenarios = await page(client, "/scenarios")
    assert "<code>account suffix 990029</code>" in scenarios
    assert "<td>default</td>" in scenarios
