"""POST /v1/vexora/disbursements: the accepted answer, field rules, duplicates, areas, seeds."""

from __future__ import annotations

import json
import warnings
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from aiohttp.web_exceptions import NotAppKeyWarning

from tests.conftest import MERCHANT_NO, SECRET, START, TEST_SCENARIOS, payout_body, signed
from vexora_sandbox import SandboxConfig, create_app, keys, sign
from vexora_sandbox.domain.clock import ManualClock
from vexora_sandbox.domain.store import Merchant

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Client = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[Client]]
NOW_MS = int(START * 1000)


def failed(msg: str) -> dict[str, Any]:
    """The request-failed envelope with ``msg``, as the gateway answers it."""
    return {"msg": msg, "code": "8000", "timestamp": NOW_MS, "success": False, "data": None}


async def post_raw(client: Client, raw: bytes, path: str = "/v1/vexora/disbursements") -> Any:
    response = await client.post(
        path, data=raw, headers={"merchantNo": MERCHANT_NO, "Content-Type": "application/json"}
    )
    assert response.status == 200
    return await response.json()


# --- accepted ------------------------------------------------------------------------


async def test_a_valid_payout_is_accepted(gateway: Gateway) -> None:
    status, answer = await gateway("disbursements", payout_body())
    assert status == 200
    data = answer.pop("data")
    assert answer == {"msg": "success", "code": "0000", "timestamp": NOW_MS, "success": True}
    assert data == {
        "tradeNo": "T20261124000001",
        "platFormTradeNo": data["platFormTradeNo"],
        "status": "0015",
        "message": "Processing",
        "remark": "order-42",
    }
    assert data["platFormTradeNo"].startswith("VXP")


async def test_the_answer_timestamp_is_a_json_number_and_success_a_boolean(
    client: Client,
) -> None:
    response = await client.post(
        "/v1/vexora/disbursements", json=signed(payout_body()), headers={"merchantNo": MERCHANT_NO}
    )
    assert response.content_type == "application/json"
    text = await response.text()
    assert f'"timestamp":{NOW_MS}' in text.replace(" ", "")
    assert '"success":true' in text.replace(" ", "")


async def test_platform_trade_numbers_are_unique(gateway: Gateway) -> None:
    numbers = set()
    for i in range(5):
        _, answer = await gateway("disbursements", payout_body(tradeNo=f"T{i}", amount="100"))
        assert answer["code"] == "0000"
        numbers.add(answer["data"]["platFormTradeNo"])
    assert len(numbers) == 5
    assert all(n.startswith("VXP") for n in numbers)


@pytest.mark.parametrize("remark", ["", "order-42", "备注 with spaces"])
async def test_remark_is_echoed_as_sent(gateway: Gateway, remark: str) -> None:
    _, answer = await gateway("disbursements", payout_body(remark=remark))
    assert answer["code"] == "0000"
    assert answer["data"]["remark"] == remark


async def test_remark_may_be_left_out(gateway: Gateway) -> None:
    _, answer = await gateway("disbursements", payout_body(remark=...))
    assert (answer["code"], answer["msg"]) == ("0000", "success")


@pytest.mark.parametrize("amount", ["100", "100.00", "1000000"])
async def test_whole_amounts_as_strings_pass(gateway: Gateway, amount: str) -> None:
    _, answer = await gateway("disbursements", payout_body(amount=amount))
    assert (answer["code"], answer["msg"]) == ("0000", "success")


async def test_amount_and_timestamp_as_json_numbers_pass(client: Client) -> None:
    # Built as text so that the numbers reach the sandbox exactly as written.
    body = payout_body(amount=..., timestamp=...)
    fields = json.dumps(body, ensure_ascii=False)[1:-1]
    unsigned = f'{{{fields},"amount":100,"timestamp":1764000000000}}'
    sign_value = sign({**body, "amount": "100", "timestamp": "1764000000000"}, SECRET)
    raw = f'{{{fields},"amount":100,"timestamp":1764000000000,"sign":"{sign_value}"}}'
    assert json.loads(raw) == {**json.loads(unsigned), "sign": sign_value}
    answer = await post_raw(client, raw.encode())
    assert (answer["code"], answer["msg"]) == ("0000", "success")


async def test_the_reference_vector_with_a_number_timestamp_and_empty_remark(
    client: Client,
) -> None:
    raw = (
        '{"amount":"250","mobile":"0912345678","email":"ana.garcia@example.com",'
        '"accountNo":"0000003100012345678901","firstname":"Ana","lastname":"García",'
        '"tradeNo":"T20261124000001","notifyUrl":"http://127.0.0.1:9000/notify","remark":"",'
        '"timestamp":1764000000000,"sign":"a16bef2fbfbf40ac82baa0d6ea4dfa63"}'
    )
    answer = await post_raw(client, raw.encode())
    assert (answer["code"], answer["msg"]) == ("0000", "success")
    assert answer["data"]["remark"] == ""


async def test_an_upper_case_sign_is_refused_saying_it_must_be_lower_case(
    client: Client,
) -> None:
    body = payout_body()
    body["sign"] = sign(body, SECRET).upper()
    response = await client.post(
        "/v1/vexora/disbursements", json=body, headers={"merchantNo": MERCHANT_NO}
    )
    answer = await response.json()
    assert (answer["code"], answer["msg"]) == (
        "8000",
        'sign error: sign must be lower-case hex (the docs: "The sign should be in lowercase '
        'letters"); the right sign in lower case would be accepted',
    )
    assert response.headers["X-Sandbox-Expected-Sign"] == sign(body, SECRET)


async def test_serving_a_call_warns_nothing(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    # aiohttp warns once per process for each plain-string key stored on a request
    # (NotAppKeyWarning: use web.RequestKey). The project runs its tests with warnings as
    # errors, where that warning turns the first call of a session into an HTTP 500
    # text/plain answer. Forget what aiohttp has seen, and make the warning an error.
    monkeypatch.setattr(web.BaseRequest, "_seen_str_keys", set())
    with warnings.catch_warnings():
        warnings.simplefilter("error", NotAppKeyWarning)
        status, answer = await gateway("disbursements", payout_body())
    assert (status, answer["code"], answer["msg"]) == (200, "0000", "success")


# --- area prefix ---------------------------------------------------------------------


async def test_the_default_area_prefix_answers_the_same(gateway: Gateway) -> None:
    _, plain = await gateway("disbursements", payout_body(tradeNo="T1"))
    status, prefixed = await gateway("disbursements", payout_body(tradeNo="T2"), prefix="/default")
    assert status == 200
    assert prefixed["data"].pop("platFormTradeNo").startswith("VXP")
    plain["data"].pop("platFormTradeNo")
    assert prefixed == {**plain, "data": {**plain["data"], "tradeNo": "T2"}}


async def test_the_default_area_prefix_applies_the_default_rules(gateway: Gateway) -> None:
    _, answer = await gateway(
        "disbursements", payout_body(mobile="081234567890"), prefix="/default"
    )
    assert answer == failed(
        "mobile must be a 10-digit number starting with 0 (e.g. 09XXXXXXXX); "
        'got "081234567890" (12 digits)'
    )


async def test_an_unknown_area_prefix_is_an_error_envelope(gateway: Gateway) -> None:
    _, answer = await gateway("disbursements", payout_body(), prefix="/atlantis")
    assert (answer["code"], answer["success"], answer["data"]) == ("8000", False, None)
    assert answer["msg"].startswith("unknown area 'atlantis' in the URL; known areas: ")
    assert "default" in answer["msg"]


# --- strict field rules --------------------------------------------------------------

MOBILE_RULE = "mobile must be a 10-digit number starting with 0 (e.g. 09XXXXXXXX); "


@pytest.mark.parametrize(
    ("changes", "msg"),
    [
        ({"tradeNo": ...}, "tradeNo is required but missing"),
        ({"amount": ...}, "amount is required but missing"),
        ({"accountNo": ""}, "accountNo is required but empty"),
        ({"mobile": None}, "mobile is required but null"),
        ({"email": ...}, "email is required but missing"),
        ({"firstname": ""}, "firstname is required but empty"),
        ({"lastname": ...}, "lastname is required but missing"),
        ({"notifyUrl": ...}, "notifyUrl is required but missing"),
        ({"timestamp": ...}, "timestamp is required but missing"),
        ({"amount": "100.50"}, 'amount must be a whole number (no fractional part); got "100.50"'),
        ({"amount": "99"}, 'amount must be at least 100; got "99"'),
        (
            {"amount": "abc"},
            'amount must be a whole number written in digits (e.g. "100"); got "abc"',
        ),
        ({"amount": "-100"}, 'amount must be at least 100; got "-100"'),
        ({"mobile": "081234567890"}, MOBILE_RULE + 'got "081234567890" (12 digits)'),
        ({"mobile": "9123456789"}, MOBILE_RULE + 'got "9123456789" (10 digits)'),
        ({"mobile": 912345678}, "mobile must be a string; got a number (912345678)"),
        (
            {"email": "ana.garcia"},
            'email must be an email address (e.g. name@example.com); got "ana.garcia"',
        ),
        ({"firstname": True}, "firstname must be a string; got a boolean (true)"),
        ({"notifyUrl": "/notify"}, 'notifyUrl must be an absolute http(s) URL; got "/notify"'),
        (
            {"notifyUrl": "ftp://merchant.example/notify"},
            'notifyUrl must be an absolute http(s) URL; got "ftp://merchant.example/notify"',
        ),
        (
            {"tradeNo": "T" * 33},
            f'tradeNo must be at most 32 characters; got "{"T" * 33}" (33 characters)',
        ),
    ],
    ids=lambda v: "-".join(f"{k}={v[k]!r}"[:40] for k in v) if isinstance(v, dict) else None,
)
async def test_each_field_rule_failure_is_8000_with_its_message(
    gateway: Gateway, app: web.Application, changes: dict[str, Any], msg: str
) -> None:
    status, answer = await gateway("disbursements", payout_body(**changes))
    assert status == 200
    assert answer == failed(msg)
    assert list(app[keys.STORE].orders()) == []


async def test_a_32_character_trade_no_passes(gateway: Gateway) -> None:
    _, answer = await gateway("disbursements", payout_body(tradeNo="T" * 32))
    assert (answer["code"], answer["data"]["tradeNo"]) == ("0000", "T" * 32)


async def test_the_first_failing_field_is_reported(gateway: Gateway) -> None:
    _, answer = await gateway("disbursements", payout_body(amount="99", mobile="1"))
    assert answer == failed('amount must be at least 100; got "99"')


class TestLenientValidation:
    @pytest.fixture
    def config(self) -> SandboxConfig:
        return SandboxConfig(scenarios=TEST_SCENARIOS, validation="lenient")

    async def test_a_12_digit_mobile_passes(self, gateway: Gateway) -> None:
        _, answer = await gateway("disbursements", payout_body(mobile="081234567890"))
        assert (answer["code"], answer["msg"]) == ("0000", "success")

    async def test_values_are_not_checked(self, gateway: Gateway) -> None:
        body = payout_body(amount="100.50", email="nope", notifyUrl="/notify", tradeNo="T" * 40)
        _, answer = await gateway("disbursements", body)
        assert (answer["code"], answer["msg"]) == ("0000", "success")

    async def test_presence_is_checked(self, gateway: Gateway) -> None:
        _, answer = await gateway("disbursements", payout_body(firstname=...))
        assert answer == failed("firstname is required but missing")

    async def test_types_are_checked(self, gateway: Gateway) -> None:
        _, answer = await gateway("disbursements", payout_body(mobile=912345678))
        assert answer == failed("mobile must be a string; got a number (912345678)")


# --- duplicates and balance ----------------------------------------------------------


async def test_a_repeated_trade_no_is_refused_and_the_first_order_untouched(
    gateway: Gateway,
) -> None:
    _, first = await gateway("disbursements", payout_body(amount="250", remark="first"))
    assert first["code"] == "0000"
    _, second = await gateway("disbursements", payout_body(amount="300", remark="second"))
    assert second == failed("duplicate tradeNo: T20261124000001 was already used by this merchant")
    _, query = await gateway(
        "queryPayOutResult", {"tradeNo": "T20261124000001", "timestamp": "1764000000000"}
    )
    assert query["data"] == {
        "tradeNo": "T20261124000001",
        "platFormTradeNo": first["data"]["platFormTradeNo"],
        "amount": "250",
        "status": "0015",
        "message": "Processing",
    }
    # The refused duplicate froze nothing: only the first payout's 250 is frozen.
    _, balance = await gateway("queryBalance", {"timestamp": "1764000000000"})
    assert (balance["data"]["availableAmount"], balance["data"]["freezeAmount"]) == (
        "99999750.00",
        "250.00",
    )


async def test_a_payout_freezes_its_amount(gateway: Gateway, app: web.Application) -> None:
    ledger = app[keys.STORE].ledger(MERCHANT_NO, "ARS")  # the default area: Argentina
    before = ledger.available
    await gateway("disbursements", payout_body(amount="250"))
    assert (ledger.available, ledger.freeze) == (before - 250, Decimal(250))


class TestSmallBalance:
    @pytest.fixture
    def config(self) -> SandboxConfig:
        return SandboxConfig(
            scenarios=TEST_SCENARIOS,
            merchants=(Merchant(MERCHANT_NO, SECRET, balance=Decimal(1000)),),
        )

    async def test_an_amount_above_available_is_refused_and_not_stored(
        self, gateway: Gateway
    ) -> None:
        _, ok = await gateway("disbursements", payout_body(tradeNo="T1", amount="600"))
        assert ok["code"] == "0000"
        _, answer = await gateway("disbursements", payout_body(tradeNo="T2", amount="500"))
        assert answer == failed(
            "insufficient balance: the payout amount 500.00 is more than "
            "the available balance 400.00"
        )
        _, query = await gateway(
            "queryPayOutResult", {"tradeNo": "T2", "timestamp": "1764000000000"}
        )
        assert query == failed("order T2 does not exist")

    async def test_the_whole_balance_can_be_paid_out(self, gateway: Gateway) -> None:
        _, answer = await gateway("disbursements", payout_body(amount="1000"))
        assert answer["code"] == "0000"


# --- seeds ---------------------------------------------------------------------------


async def _platform_numbers(aiohttp_client: AiohttpClient, config: SandboxConfig) -> list[str]:
    client = await aiohttp_client(create_app(config, clock=ManualClock(START)))
    numbers = []
    for i in range(4):
        response = await client.post(
            "/v1/vexora/disbursements",
            json=signed(payout_body(tradeNo=f"T{i}", amount="100")),
            headers={"merchantNo": MERCHANT_NO},
        )
        answer = await response.json()
        assert answer["code"] == "0000", answer
        numbers.append(answer["data"]["platFormTradeNo"])
    return numbers


async def test_the_same_seed_gives_the_same_platform_trade_numbers(
    aiohttp_client: AiohttpClient,
) -> None:
    first = await _platform_numbers(aiohttp_client, SandboxConfig(scenarios=TEST_SCENARIOS, seed=7))
    second = await _platform_numbers(
        aiohttp_client, SandboxConfig(scenarios=TEST_SCENARIOS, seed=7)
    )
    assert first == second
    assert len(set(first)) == 4


async def test_without_a_seed_two_sandboxes_differ(aiohttp_client: AiohttpClient) -> None:
    first = await _platform_numbers(aiohttp_client, SandboxConfig(scenarios=TEST_SCENARIOS))
    second = await _platform_numbers(aiohttp_client, SandboxConfig(scenarios=TEST_SCENARIOS))
    assert first != second
