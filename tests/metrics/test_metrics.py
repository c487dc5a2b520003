"""``GET /_sandbox/metrics``: what a Prometheus scrape reads after calls and callbacks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import MERCHANT_NO, SECRET, START, payout_body, signed
from vexora_sandbox import CallbackReceiver, Reply, SandboxConfig, create_app
from vexora_sandbox.domain.clock import ManualClock

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[web.Application], Awaitable[Client]]


@pytest.fixture(scope="module")
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver(secret=SECRET) as running:
        yield running


async def _client(aiohttp_client: MakeClient, **settings: object) -> Client:
    config = SandboxConfig(clock="manual", journal_size=2, **settings)  # type: ignore[arg-type]
    return await aiohttp_client(create_app(config, clock=ManualClock(START)))


async def _samples(client: Client, headers: dict[str, str] | None = None) -> dict[str, float]:
    response = await client.get("/_sandbox/metrics", headers=headers or {})
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}"] = sample.value
    return found


async def _payout(client: Client, trade_no: str, url: str, secret: str = SECRET) -> None:
    body = signed(payout_body(tradeNo=trade_no, notifyUrl=url), secret)
    await client.post("/v1/vexora/disbursements", json=body, headers={"merchantNo": MERCHANT_NO})


async def test_calls_attempts_pending_orders_lateness_and_drops(
    aiohttp_client: MakeClient, receiver: CallbackReceiver
) -> None:
    receiver.clear()
    receiver.script([Reply(status=500, body="FAIL"), Reply()])
    client = await _client(aiohttp_client)
    await _payout(client, "T1", receiver.url)
    await _payout(client, "T2", receiver.url, secret="wrong")
    await _payout(client, "T3", receiver.url)
    before = await _samples(client)
    assert before["vexora_sandbox_calls_total{area=default,code=0000,endpoint=disbursements}"] == 2
    assert before["vexora_sandbox_calls_total{area=default,code=8000,endpoint=disbursements}"] == 1
    assert before["vexora_sandbox_callbacks_pending{}"] == 2
    assert before["vexora_sandbox_orders{merchantNo=0000000001}"] == 2
    assert before["vexora_sandbox_journal_dropped_total{journal=requests}"] == 1  # size 2
    await client.post("/_sandbox/clock/advance", json={"seconds": 3})  # T1 refused, T3 ok
    await client.post("/_sandbox/clock/advance", json={"seconds": 3})  # T1's retry ok
    after = await _samples(client)
    assert after["vexora_sandbox_callback_attempts_total{outcome=retry}"] == 1
    assert after["vexora_sandbox_callback_attempts_total{outcome=acknowledged}"] == 2
    assert after["vexora_sandbox_callbacks_pending{}"] == 0
    # Each attempt started exactly when due on the manual clock.
    assert after["vexora_sandbox_callback_lateness_seconds_count{}"] == 3
    assert after["vexora_sandbox_callback_lateness_seconds_bucket{le=0.005}"] == 3


async def test_an_unknown_endpoint_and_a_gave_up_callback_are_counted(
    aiohttp_client: MakeClient,
) -> None:
    client = await _client(aiohttp_client, callback_retries=())
    await client.post("/v1/vexora/nope", json={})
    await _payout(client, "T1", "http://127.0.0.1:9/dead")
    await client.post("/_sandbox/clock/advance", json={"seconds": 3})
    found = await _samples(client)
    assert found["vexora_sandbox_calls_total{area=,code=8000,endpoint=nope}"] == 1
    assert found["vexora_sandbox_callback_attempts_total{outcome=gave_up}"] == 1


async def test_metrics_want_the_admin_token(aiohttp_client: MakeClient) -> None:
    client = await _client(aiohttp_client, admin_token="s3cret")
    refused = await client.get("/_sandbox/metrics")
    assert refused.status == 401
    assert (await refused.json())["error"] == (
        "this sandbox requires 'Authorization: Bearer <admin token>'"
    )
    found = await _samples(client, {"Authorization": "Bearer s3cret"})
    assert found["vexora_sandbox_callbacks_pending{}"] == 0


async def test_two_sandboxes_in_one_process_count_apart(aiohttp_client: MakeClient) -> None:
    one = await _client(aiohttp_client)
    two = await _client(aiohttp_client)
    await one.post("/v1/vexora/nope", json={})
    assert "vexora_sandbox_calls_total{area=,code=8000,endpoint=nope}" in await _samples(one)
    assert "vexora_sandbox_calls_total{area=,code=8000,endpoint=nope}" not in await _samples(two)


def test_a_sandbox_nobody_looks_at_loads_neither_jinja2_nor_prometheus_client() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from vexora_sandbox import create_app; create_app(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('jinja2', 'prometheus_client')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
