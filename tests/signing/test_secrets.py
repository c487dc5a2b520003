"""No answer of the sandbox gives a merchant's secret away.

After traffic of every kind (payouts, pay-ins, wrong signs, queries, callbacks sent and
failed, forced statuses, replays), every admin GET route, every admin POST and every
gateway answer is searched for each configured secret, headers included. A sign error
shows the sign base with ``{secret}`` where the secret was appended.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from tests.conftest import START, TEST_SCENARIOS, payout_body
from tests.payins.conftest import PAYIN_AREAS, payin_body
from vexora_sandbox import SandboxConfig, create_app, keys, sign
from vexora_sandbox.domain.clock import ManualClock
from vexora_sandbox.domain.store import Merchant

Client = TestClient[web.Request, web.Application]
PAYOUT_MERCHANT = Merchant("0000000001", "s3cr3t-PAYOUT-merchant-9f2c", "default")
PAYIN_MERCHANT = Merchant("0000000002", "S3CR3T-payin-merchant-77aa", PAYIN_AREAS[0])
SECRETS = (PAYOUT_MERCHANT.secret, PAYIN_MERCHANT.secret)


@pytest.fixture
async def client(aiohttp_client: Callable[[web.Application], Awaitable[Client]]) -> Client:
    config = SandboxConfig(
        scenarios=TEST_SCENARIOS, merchants=(PAYOUT_MERCHANT, PAYIN_MERCHANT), clock="manual"
    )
    return await aiohttp_client(create_app(config, clock=ManualClock(START)))


class Seen:
    """Every answer read so far, checked for the secrets as it arrives."""

    def __init__(self) -> None:
        self.count = 0

    async def check(self, response: ClientResponse) -> bytes:
        raw = await response.read()
        text = raw.decode("utf-8", "replace") + "\n".join(
            f"{k}: {v}" for k, v in response.headers.items()
        )
        for secret in SECRETS:
            assert secret not in text, f"{response.method} {response.url} shows a secret"
            assert secret.lower() not in text.lower()
        self.count += 1
        return raw


async def gateway(
    client: Client, seen: Seen, merchant: Merchant, endpoint: str, body: dict[str, Any], **kw: Any
) -> dict[str, Any]:
    payload = {**body, "sign": kw.pop("sign", None) or sign(body, merchant.secret)}
    response = await client.post(
        f"/v1/vexora/{endpoint}", json=payload, headers={"merchantNo": merchant.merchant_no}
    )
    await seen.check(response)
    answer: dict[str, Any] = await response.json()
    return answer


async def traffic(client: Client, seen: Seen) -> dict[str, str]:
    """Orders, errors and callbacks of every kind; the ids the routes need."""
    ok = await gateway(client, seen, PAYOUT_MERCHANT, "disbursements", payout_body(tradeNo="S1"))
    assert ok["code"] == "0000", ok
    await gateway(client, seen, PAYOUT_MERCHANT, "disbursements", payout_body(tradeNo="S2"))
    wrong = await gateway(
        client, seen, PAYOUT_MERCHANT, "disbursements", payout_body(tradeNo="S3"), sign="0" * 32
    )
    assert wrong["code"] == "8000" and "sign" in wrong["msg"]
    await gateway(client, seen, PAYOUT_MERCHANT, "queryPayOutResult", {"tradeNo": "S1"})
    await gateway(client, seen, PAYOUT_MERCHANT, "queryBalance", {"timestamp": "1764000000000"})
    payin = await gateway(
        client, seen, PAYIN_MERCHANT, "checkout", payin_body(PAYIN_AREAS[0], tradeNo="P1")
    )
    assert payin["code"] == "0000", payin
    for path, body in (
        ("clock/advance", {"seconds": 30}),
        ("transactions/S2/status", {"status": "00029"}),
        ("clock/advance", {"seconds": 5}),
        ("settle", {}),
    ):
        response = await client.post(f"/_sandbox/{path}", json=body)
        await seen.check(response)
        assert response.status == 200, await response.text()
    callbacks = await (await client.get("/_sandbox/callbacks")).json()
    assert callbacks["callbacks"], "the traffic sent no callback"
    first = callbacks["callbacks"][0]
    replay = await client.post(f"/_sandbox/callbacks/{first['id']}/replay")
    await seen.check(replay)
    return {
        "tradeNo": "S1",
        "id": str(first["id"]),
        "merchantNo": PAYIN_MERCHANT.merchant_no,
        "platFormTradeNo": payin["data"].get("platFormTradeNo", "none"),
    }


async def test_no_route_answer_contains_a_secret(client: Client) -> None:
    seen = Seen()
    ids = await traffic(client, seen)
    assert client.app is not None
    walked = []
    for route in client.app.router.routes():
        if route.method not in ("GET", "HEAD") or route.resource is None:
            continue
        path = route.resource.canonical.format(**ids)
        for query in ({}, {"merchantNo": PAYOUT_MERCHANT.merchant_no}, {"wait": "0"}):
            response = await client.request(route.method, path, params=query)
            await seen.check(response)
            assert response.status < 500, (path, response.status)
        walked.append(path)
    assert "/_sandbox/requests" in walked and "/_sandbox/callbacks/{id}".format(**ids) in walked
    assert client.app[keys.ERRORS] == []
    assert seen.count > 40


async def test_a_sign_error_shows_the_base_with_a_placeholder(client: Client) -> None:
    seen = Seen()
    body = payout_body(tradeNo="SIGNERR")
    response = await client.post(
        "/v1/vexora/disbursements",
        json={**body, "sign": "f" * 32},
        headers={"merchantNo": PAYOUT_MERCHANT.merchant_no},
    )
    await seen.check(response)
    header = response.headers["X-Sandbox-Sign-Base"]
    assert header.endswith("tradeNo=SIGNERR{secret}")
    assert response.headers["X-Sandbox-Expected-Sign"] == sign(body, PAYOUT_MERCHANT.secret)
    journal = await client.get("/_sandbox/requests", params={"tradeNo": "SIGNERR"})
    entries = (await journal.json())["requests"]
    await seen.check(journal)
    assert len(entries) == 1
    # The journal keeps the exact base; the header its ASCII copy (lastname García).
    assert entries[0]["signBase"] == header.replace("\\u00ed", "í")
    assert entries[0]["signBase"].endswith("{secret}")


async def test_the_secrets_stay_out_of_the_log(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    await traffic(client, Seen())
    for record in caplog.records:
        for secret in SECRETS:
            assert secret not in record.getMessage()
