"""``X-Sandbox-Expected-Sign`` is help on a loopback bind, and no oracle elsewhere.

It hands a valid sign for any body to anyone who knows a merchantNo; the container listens
on 0.0.0.0 with no token. By default it is sent only when the sandbox listens on a
loopback address; ``expected_sign: on`` or ``off`` decides explicitly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web

from tests.conftest import MERCHANT_NO, TEST_SCENARIOS, Client, payout_body
from vexora_sandbox import SandboxConfig, create_app, sign
from vexora_sandbox.protocol.expected_sign import is_loopback

AiohttpClient = Callable[[web.Application], Awaitable[Client]]


@pytest.mark.parametrize(
    ("host", "mode", "shown"),
    [
        ("127.0.0.1", "auto", True),
        ("localhost", "auto", True),
        ("::1", "auto", True),
        ("0.0.0.0", "auto", False),
        ("::", "auto", False),
        ("192.0.2.7", "auto", False),
        ("0.0.0.0", "on", True),
        ("127.0.0.1", "off", False),
    ],
)
async def test_the_expected_sign_header_follows_the_bind_and_the_setting(
    aiohttp_client: AiohttpClient, host: str, mode: str, shown: bool
) -> None:
    config = SandboxConfig(scenarios=TEST_SCENARIOS, host=host, expected_sign=mode)  # type: ignore[arg-type]
    client = await aiohttp_client(create_app(config))
    body = {**payout_body(), "sign": "0" * 32}
    response = await client.post(
        "/v1/vexora/disbursements", json=body, headers={"merchantNo": MERCHANT_NO}
    )
    answer = await response.json()
    assert answer["code"] == "8000"
    assert answer["msg"].startswith("sign error: sign does not match")
    assert "X-Sandbox-Sign-Base" in response.headers  # no secret in it: always there
    expected = sign(payout_body(), "sandbox-secret")
    if shown:
        assert response.headers["X-Sandbox-Expected-Sign"] == expected
    else:
        assert "X-Sandbox-Expected-Sign" not in response.headers
        assert expected not in await response.text()


def test_loopback_names() -> None:
    assert is_loopback("127.0.0.2") and is_loopback("[::1]") and is_loopback("LOCALHOST")
    assert not is_loopback("0.0.0.0") and not is_loopback("sandbox") and not is_loopback("")
