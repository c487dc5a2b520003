"""The admin API's edges: the token, unknown ids and routes, JSON errors, no secret ever."""

from __future__ import annotations

import pytest

from tests.admin.conftest import Admin, Client, Payout
from tests.conftest import MERCHANT_NO, TEST_SCENARIOS, payout_body, signed
from vexora_sandbox import SandboxConfig
from vexora_sandbox.domain.store import Merchant

TOKEN = "t0ken-for-tests"
GET_ROUTES = [
    "transactions",
    "transactions/T1",
    "requests",
    "callbacks",
    "callbacks/1",
    "clock",
    "scenarios",
]
POST_ROUTES = [
    ("reset", {}),
    ("transactions/T1/status", {"status": "00029"}),
    ("callbacks/1/replay", None),
    ("clock/advance", {"seconds": 1}),
    ("scenarios/reload", None),
]


class TestAdminToken:
    @pytest.fixture
    def config(self) -> SandboxConfig:
        return SandboxConfig(scenarios=TEST_SCENARIOS, admin_token=TOKEN)

    @pytest.fixture(autouse=True)
    async def _order(self, payout: Payout, admin: Admin) -> None:
        await payout("T1")
        await admin("POST", "clock/advance", {"seconds": 2}, token=TOKEN)

    @pytest.mark.parametrize("path", GET_ROUTES)
    async def test_every_get_route_needs_it(self, admin: Admin, path: str) -> None:
        expected = (401, {"error": "this sandbox requires 'Authorization: Bearer <admin token>'"})
        assert await admin("GET", path) == expected
        assert await admin("GET", path, token="wrong") == expected
        status, _ = await admin("GET", path, token=TOKEN)
        assert status == 200

    @pytest.mark.parametrize(("path", "payload"), POST_ROUTES)
    async def test_every_post_route_needs_it(
        self, admin: Admin, path: str, payload: object
    ) -> None:
        status, body = await admin("POST", path, payload)
        assert (status, body["error"]) == (
            401,
            "this sandbox requires 'Authorization: Bearer <admin token>'",
        )
        status, _ = await admin("POST", path, payload, token=TOKEN)
        assert status == 200

    async def test_health_stays_open(self, admin: Admin) -> None:
        status, body = await admin("GET", "health")
        assert (status, body["status"]) == (200, "ok")

    async def test_an_unknown_admin_route_is_401_before_404(self, admin: Admin) -> None:
        assert (await admin("GET", "nope"))[0] == 401
        assert (await admin("GET", "nope", token=TOKEN))[0] == 404

    async def test_the_gateway_api_does_not_need_it(self, payout: Payout) -> None:
        assert (await payout("T2"))["code"] == "0000"


@pytest.mark.parametrize(
    ("method", "path", "payload", "error"),
    [
        ("GET", "transactions/NOPE", None, "no order with tradeNo NOPE"),
        ("POST", "transactions/NOPE/status", {"status": "0000"}, "no order with tradeNo NOPE"),
        ("GET", "callbacks/999", None, "no callback with id 999"),
        ("GET", "callbacks/abc", None, "no callback with id abc"),
        ("POST", "callbacks/999/replay", None, "no callback with id 999"),
        ("POST", "reset", {"merchantNo": "0000000009"}, "merchant 0000000009 is not configured"),
        (
            "GET",
            "transactions?merchantNo=0000000009",
            None,
            "merchant 0000000009 is not configured",
        ),
        (
            "GET",
            "transactions/T1?merchantNo=0000000009",
            None,
            "merchant 0000000009 is not configured",
        ),
        ("GET", "requests?merchantNo=0000000009", None, "merchant 0000000009 is not configured"),
        ("GET", "callbacks?merchantNo=0000000009", None, "merchant 0000000009 is not configured"),
        (
            "GET",
            "nope",
            None,
            "no admin route GET /_sandbox/nope; the routes: see docs/admin-api.md",
        ),
        (
            "POST",
            "transactions/T1/nope",
            None,
            "no admin route POST /_sandbox/transactions/T1/nope; the routes: see docs/admin-api.md",
        ),
    ],
)
async def test_unknown_ids_and_routes_are_404_with_a_message(
    admin: Admin, payout: Payout, method: str, path: str, payload: object, error: str
) -> None:
    await payout("T1")
    path, _, query = path.partition("?")
    params = dict([query.split("=")]) if query else None
    assert await admin(method, path, payload, params=params) == (404, {"error": error})


async def test_a_wrong_method_is_405_with_a_message(admin: Admin) -> None:
    assert await admin("GET", "reset") == (
        405,
        {"error": "method GET is not allowed on /_sandbox/reset; use POST"},
    )
    status, body = await admin("DELETE", "transactions")
    assert status == 405
    assert body["error"].startswith("method DELETE is not allowed on /_sandbox/transactions")


class TestNoSecretEver:
    SECRETS = ("first-SECRET-never-shown", "second-SECRET-never-shown")

    @pytest.fixture
    def config(self) -> SandboxConfig:
        return SandboxConfig(
            scenarios=TEST_SCENARIOS,
            merchants=(
                Merchant(MERCHANT_NO, self.SECRETS[0]),
                Merchant("0000000002", self.SECRETS[1]),
            ),
        )

    async def test_no_admin_answer_contains_a_merchant_secret(
        self, client: Client, admin: Admin, payout: Payout
    ) -> None:
        # Leave a trace of everything: an accepted payout, a rejected sign, a callback
        # with a wrong sign, a forced status, a replay.
        await payout("T1", secret=self.SECRETS[0])
        await payout("T2", merchant_no="0000000002", secret=self.SECRETS[1])
        await payout("T3", secret=self.SECRETS[0], accountNo="000000000990401")
        bad = signed(payout_body(tradeNo="T4"), "not-the-secret")
        await client.post("/v1/vexora/disbursements", json=bad, headers={"merchantNo": MERCHANT_NO})
        await admin("POST", "clock/advance", {"seconds": 3})
        await admin("POST", "transactions/T1/status", {"status": "00029"})
        await admin("POST", "callbacks/1/replay")
        await admin("POST", "clock/advance", {"seconds": 1})
        paths = [
            *GET_ROUTES,
            "health",
            "transactions/T2",
            "transactions/T3",
            "callbacks/2",
            "callbacks/3",
            "callbacks?wait=1",
            "requests?merchantNo=0000000002",
            "nope",
        ]
        seen = 0
        for path in paths:
            response = await client.get(f"/_sandbox/{path}")
            raw = await response.read()
            headers = "".join(f"{k}: {v}" for k, v in response.headers.items())
            for secret in self.SECRETS:
                assert secret.encode() not in raw, path
                assert secret not in headers, path
            seen += len(raw)
        for path, payload in POST_ROUTES:
            response = await client.post(f"/_sandbox/{path}", json=payload)
            raw = await response.read()
            for secret in self.SECRETS:
                assert secret.encode() not in raw, path
        assert seen > 5000  # the answers were not empty: there was something to leak
