"""Callbacks never reach the sandbox itself.

A notifyUrl on the sandbox's own ``/_sandbox/callbacks/{id}/replay`` made one order send
11,758 callbacks in 60 s, and one on ``/_sandbox/reset`` wiped every merchant's state (no
admin token is set by default). The callback client now checks the address it connected
to against the sandbox's own listening sockets, sends nothing there, and gives up at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import MERCHANT_NO, TEST_SCENARIOS, payout_body, signed
from vexora_sandbox import SandboxConfig, create_app, keys
from vexora_sandbox.api import checks
from vexora_sandbox.callbacks.delivery import Delivery
from vexora_sandbox.callbacks.selfcall import OwnAddresses, admin_url_problem
from vexora_sandbox.domain.orders import OrderKind
from vexora_sandbox.scenarios.model import CallbackSpec
from vexora_sandbox.server import Listening, listen


@pytest.fixture(params=["127.0.0.1", "0.0.0.0"])
async def sandbox(request: pytest.FixtureRequest) -> AsyncIterator[Listening]:
    app = create_app(SandboxConfig(scenarios=TEST_SCENARIOS, time_scale=0.001))
    listening = await listen(app, request.param, 0)
    yield listening
    await listening.runner.cleanup()


def _order_with_callback(app: web.Application, trade_no: str, url: str) -> Delivery:
    order = app[keys.PAYMENTS].create(
        merchant_no=MERCHANT_NO,
        trade_no=trade_no,
        kind=OrderKind.PAYOUT,
        endpoint="disbursements",
        area="default",
        amount="100",
        notify_url=url,
        remark="",
    )
    spec = (CallbackSpec(after=0, status="0000", message="SUCCESS"),)
    (delivery,) = app[keys.DISPATCHER].schedule(order, spec)
    return delivery


async def _finished(delivery: Delivery) -> None:
    for _ in range(500):
        if not delivery.pending:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"callback {delivery.id} still pending: {delivery.as_json()}")


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
async def test_a_callback_to_the_sandboxs_reset_is_not_sent(sandbox: Listening, host: str) -> None:
    await _reset_by_callback_is_refused(sandbox, host)


async def test_a_callback_to_the_sandbox_by_its_ipv4_mapped_address_is_not_sent() -> None:
    # An IPv6 socket reaches an IPv4 listener through a mapped address only when the
    # listener is on every address (0.0.0.0), not on 127.0.0.1 alone.
    listening = await listen(
        create_app(SandboxConfig(scenarios=TEST_SCENARIOS, time_scale=0.001)), "0.0.0.0", 0
    )
    try:
        await _reset_by_callback_is_refused(listening, "[::ffff:127.0.0.1]")
    finally:
        await listening.runner.cleanup()


async def _reset_by_callback_is_refused(sandbox: Listening, host: str) -> None:
    app = sandbox.runner.app
    url = f"http://{host}:{sandbox.port}/_sandbox/reset"
    keep = _order_with_callback(app, "KEEP", "http://127.0.0.1:9/notify")
    delivery = _order_with_callback(app, "SELF", url)
    await _finished(delivery)
    (attempt,) = delivery.attempts
    assert attempt["responseStatus"] is None
    assert attempt["error"] == (
        f"the notifyUrl reaches the sandbox itself (127.0.0.1 port {sandbox.port}); "
        "callbacks are never sent to the sandbox's own routes"
    )
    assert (delivery.gave_up, delivery.next_attempt_at) == (True, None)
    # Nothing was reset: both orders are still there.
    assert {o.trade_no for o in app[keys.STORE].orders()} == {"KEEP", "SELF"}
    assert keep.order.trade_no == "KEEP"


async def test_a_callback_to_the_sandboxs_replay_route_does_not_loop(sandbox: Listening) -> None:
    app = sandbox.runner.app
    first = _order_with_callback(app, "LOOP", f"http://localhost:{sandbox.port}/_sandbox/x")
    await _finished(first)
    replay = f"http://localhost:{sandbox.port}/_sandbox/callbacks/{first.id}/replay"
    looping = _order_with_callback(app, "LOOP2", replay)
    await _finished(looping)
    await asyncio.sleep(0.3)  # time for any further callback to appear
    deliveries = list(app[keys.DISPATCHER].deliveries)
    assert [d.order.trade_no for d in deliveries] == ["LOOP", "LOOP2"]
    assert all(len(d.attempts) == 1 and d.gave_up for d in deliveries)


async def test_other_ports_and_addresses_are_not_the_sandbox() -> None:
    own = OwnAddresses()
    own.add("127.0.0.1", 8080)
    assert own.is_self("127.0.0.1", 8080)
    assert own.is_self("::ffff:127.0.0.1", 8080)
    assert not own.is_self("127.0.0.1", 8081)
    assert not own.is_self("127.0.0.2", 8080)  # bound to 127.0.0.1 only
    assert not own.is_self("192.0.2.10", 8080)
    own.add("0.0.0.0", 9000)
    assert own.is_self("127.0.0.5", 9000)
    assert not own.is_self("192.0.2.10", 9000)  # TEST-NET: not an address of this machine


@pytest.mark.parametrize(
    ("url", "host_header", "refused"),
    [
        ("http://127.0.0.1:8080/_sandbox/reset", None, True),
        ("http://localhost:8080/_sandbox/callbacks/1/replay", None, True),
        ("http://LOCALHOST.:8080/_sandbox/reset", None, True),
        ("http://sandbox:8080/_sandbox/reset", "sandbox:8080", True),
        ("http://sandbox/_sandbox/reset", "sandbox", True),
        ("http://[::1]:8080/_sandbox/reset", None, False),  # ::1 is not where it listens
        ("http://localhost:8081/_sandbox/reset", None, False),  # another port
        ("http://127.0.0.1:8080/notify", None, False),  # not an admin route
        ("http://merchant.example:8080/_sandbox/reset", "sandbox:8080", False),
        ("http://[bad/_sandbox/", None, False),  # not a URL: the field rules answer
    ],
)
def test_admin_url_problem_at_order_creation(
    url: str, host_header: str | None, refused: bool
) -> None:
    own = OwnAddresses()
    own.add("127.0.0.1", 8080)
    problem = admin_url_problem(url, own, host_header)
    assert (problem is not None) == refused, problem
    if refused:
        assert problem is not None
        assert problem.startswith("notifyUrl must not point at the sandbox's own /_sandbox/")


@pytest.mark.parametrize(
    "path", ["/_sandbox/reset", "/_sandbox/callbacks/1/replay", "/_sandbox/transactions/T/status"]
)
async def test_a_notify_url_on_the_sandboxs_admin_routes_is_refused_at_creation(
    client: TestClient[web.Request, web.Application], path: str
) -> None:
    assert client.server.port is not None
    url = f"http://127.0.0.1:{client.server.port}{path}"
    response = await client.post(
        "/v1/vexora/disbursements",
        json=signed(payout_body(notifyUrl=url)),
        headers={"merchantNo": MERCHANT_NO},
    )
    answer = await response.json()
    assert (response.status, answer["code"], answer["success"]) == (200, "8000", False)
    assert answer["msg"] == (
        f"notifyUrl must not point at the sandbox's own /_sandbox/ routes ({url}); "
        "give your callback endpoint"
    )
    assert list(client.app[keys.STORE].orders()) == []


async def test_a_notify_url_on_another_port_is_accepted(
    client: TestClient[web.Request, web.Application],
) -> None:
    url = "http://127.0.0.1:9/_sandbox/reset"  # a merchant's server may use any path
    response = await client.post(
        "/v1/vexora/disbursements",
        json=signed(payout_body(notifyUrl=url)),
        headers={"merchantNo": MERCHANT_NO},
    )
    assert (await response.json())["code"] == "0000"


_URL_PARTS = st.sampled_from(
    ["http://", "https://", "127.0.0.1", "localhost", ":8080", "/", "_sandbox", "/_sandbox/",
     "reset", "\t", "\n", "\r", " ", "%2F", "?", "#", "sandbox:8080", "[::1]", "@", "x"]
)  # fmt: skip


@given(st.lists(_URL_PARTS, max_size=10).map("".join))
def test_urls_skipped_unparsed_are_never_admin_urls(url: str) -> None:
    # The creation check parses a notifyUrl only when its text may name /_sandbox/.
    own = OwnAddresses()
    own.add("127.0.0.1", 8080)
    if not checks.may_be_admin_url(url):
        assert admin_url_problem(url, own, "sandbox:8080") is None
        assert admin_url_problem(url, own, None) is None
