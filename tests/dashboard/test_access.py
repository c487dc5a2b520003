"""The dashboard with --admin-token: the token once, then an HttpOnly SameSite=Strict cookie."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_SCENARIOS
from tests.dashboard.conftest import UI, Client, csrf_of, page
from vexora_sandbox import SandboxConfig

TOKEN = "t0ken-for-the-dashboard"


@pytest.fixture
def config() -> SandboxConfig:
    return SandboxConfig(scenarios=TEST_SCENARIOS, clock="manual", admin_token=TOKEN)


async def test_with_a_token_a_stranger_is_sent_to_the_login_form(client: Client) -> None:
    response = await client.get(f"{UI}/orders?status=0000", allow_redirects=False)
    assert response.status == 303
    assert (
        response.headers["Location"] == f"{UI}/login?next=%2F_sandbox%2Fui%2Forders%3Fstatus%3D0000"
    )
    assert (await client.get(f"{UI}/live")).status == 401
    refused = await client.post(f"{UI}/actions/reset", data={"csrf": "x"}, allow_redirects=False)
    assert refused.status == 401


async def test_token_in_the_url_becomes_an_httponly_strict_cookie(client: Client) -> None:
    response = await client.get(f"{UI}/orders?token={TOKEN}&status=0000", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, f"{UI}/orders?status=0000")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/_sandbox/" in cookie
    assert (await client.get(f"{UI}/orders", allow_redirects=False)).status == 200
    # The cookie opens the dashboard only, not the JSON admin API.
    assert (await client.get("/_sandbox/requests")).status == 401


async def test_a_wrong_token_is_refused(client: Client) -> None:
    response = await client.get(f"{UI}/calls?token=nope", allow_redirects=False)
    assert "error=wrong%20token" in response.headers["Location"]
    assert "Set-Cookie" not in response.headers


async def test_the_login_form_signs_in(client: Client) -> None:
    form_page = await page(client, f"/login?next={UI}/balances")
    csrf = csrf_of(form_page)
    bad = await client.post(
        f"{UI}/login", data={"csrf": csrf, "token": "nope", "next": f"{UI}/balances"},
        allow_redirects=False,
    )  # fmt: skip
    assert bad.status == 401 and "That is not this sandbox" in await bad.text()
    good = await client.post(
        f"{UI}/login", data={"csrf": csrf, "token": TOKEN, "next": f"{UI}/balances"},
        allow_redirects=False,
    )  # fmt: skip
    assert (good.status, good.headers["Location"]) == (303, f"{UI}/balances")
    assert (await client.get(f"{UI}/balances", allow_redirects=False)).status == 200


async def test_a_bearer_token_also_opens_the_dashboard(client: Client) -> None:
    response = await client.get(
        f"{UI}/calls", headers={"Authorization": f"Bearer {TOKEN}"}, allow_redirects=False
    )
    assert response.status == 200
