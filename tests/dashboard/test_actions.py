"""The dashboard's buttons (POSTs with a CSRF token), its sign-in and its live stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from tests.conftest import MERCHANT_NO
from tests.dashboard.conftest import UI, Client, csrf_of, page
from vexora_sandbox import CallbackReceiver

Payout = Callable[..., Awaitable[dict[str, Any]]]


async def _post(client: Client, action: str, form: dict[str, str], **kw: Any) -> tuple[int, str]:
    response = await client.post(f"{UI}/actions/{action}", data=form, allow_redirects=False, **kw)
    return response.status, response.headers.get("Location", "") or await response.text()


async def _csrf(client: Client) -> str:
    return csrf_of(await page(client, "/calls"))


async def test_force_changes_the_status_and_sends_its_callback(
    client: Client, payout: Payout, receiver: CallbackReceiver
) -> None:
    await payout("T1")
    here = f"{UI}/orders/{MERCHANT_NO}/T1"
    form = {"csrf": await _csrf(client), "next": here, "merchantNo": MERCHANT_NO,
            "tradeNo": "T1", "status": "00029"}  # fmt: skip
    status, location = await _post(client, "force", form)
    assert status == 303
    assert unquote(location) == f"{here}?done=Status 0015 -> 00029; callback #2 sent."
    advance = await client.post("/_sandbox/clock/advance", json={"seconds": 0})
    assert advance.status == 200
    (got,) = receiver.received
    assert (got.trade_no, got.status, got.sign_valid) == ("T1", "00029", True)
    text = await page(client, f"/orders/{MERCHANT_NO}/T1")
    assert '<dd id="status">00029</dd>' in text


async def test_a_post_without_the_csrf_token_or_from_another_site_is_refused(
    client: Client, payout: Payout
) -> None:
    await payout("T1")
    form = {"merchantNo": MERCHANT_NO, "tradeNo": "T1", "status": "00029"}
    status, text = await _post(client, "force", {**form, "csrf": "guess"})
    assert status == 403 and "This form is stale or from another site" in text
    good = {**form, "csrf": await _csrf(client)}
    status, _ = await _post(client, "force", good, headers={"Origin": "http://evil.example"})
    assert status == 403
    assert '<dd id="status">0015</dd>' in await page(client, f"/orders/{MERCHANT_NO}/T1")


async def test_replay_advance_and_reset(
    client: Client, payout: Payout, receiver: CallbackReceiver
) -> None:
    await payout("T1")
    csrf = await _csrf(client)
    status, location = await _post(client, "advance", {"csrf": csrf, "seconds": "3"})
    assert (status, unquote(location)) == (
        303,
        f"{UI}/calls?done=Advanced 3 s; 1 callback attempt(s) made.",
    )
    status, location = await _post(client, "replay", {"csrf": csrf, "callback": "1"})
    assert unquote(location).endswith("done=Callback #1 replayed as #2.")
    await client.post("/_sandbox/clock/advance", json={"seconds": 0})
    first, again = receiver.received
    assert first.raw == again.raw
    status, text = await _post(client, "advance", {"csrf": csrf, "seconds": "soon"})
    assert unquote(text).endswith("done=Give the seconds to advance as a number.")
    status, location = await _post(client, "reset", {"csrf": csrf})
    assert unquote(location).startswith(f"{UI}/calls?done=Reset:")
    assert "0 order(s)" in await page(client, "/orders")


async def test_next_only_leads_to_a_dashboard_page(client: Client) -> None:
    csrf = await _csrf(client)
    for target in ("https://evil.example/", "//evil.example/x", "/_sandbox/requests"):
        _, location = await _post(client, "advance", {"csrf": csrf, "seconds": "1", "next": target})
        assert location.startswith(f"{UI}/calls?done="), target


async def test_the_live_stream_announces_calls_and_attempts(client: Client, payout: Payout) -> None:
    refused = await client.get(f"{UI}/live")
    assert refused.status == 406  # not asked for as a stream: no endless answer
    response = await client.get(f"{UI}/live", headers={"Accept": "text/event-stream"})
    assert response.headers["Content-Type"] == "text/event-stream"
    assert await response.content.readline() == b"retry: 2000\n"
    await response.content.readline()
    await payout("T1")
    await client.post("/_sandbox/clock/advance", json={"seconds": 3})
    events: list[dict[str, Any]] = []
    while len(events) < 2:
        line = await asyncio.wait_for(response.content.readline(), 10)
        if line.startswith(b"data: "):
            events.append(json.loads(line[6:]))
    assert events == [{"kind": "call", "tradeNo": "T1"}, {"kind": "attempt", "tradeNo": "T1"}]
    response.close()


async def test_a_form_that_is_not_utf_8_is_refused_with_400(client: Client) -> None:
    # Found by scripts/outside_fuzz.py: such a form body was a 500 from the form parser.
    for path in ("actions/force", "actions/reset", "login", "logout"):
        response = await client.post(
            f"{UI}/{path}",
            data=b"csrf=\x8b\xff&next=%2F",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            allow_redirects=False,
        )
        assert response.status == 400, path
        assert "not valid form data" in await response.text(), path
