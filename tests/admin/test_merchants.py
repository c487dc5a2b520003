"""POST/GET/DELETE /_sandbox/merchants: merchants created at runtime, isolated from each other."""

from __future__ import annotations

from typing import Any

import pytest

from tests.admin.conftest import Admin, Client, Payout
from tests.conftest import MERCHANT_NO, SECRET, TEST_SCENARIOS
from vexora_sandbox import CallbackReceiver, SandboxConfig, verify
from vexora_sandbox.domain.store import Merchant

NEW = "1234567890"


async def test_a_created_merchant_is_served_with_its_secret_and_balance(
    admin: Admin, payout: Payout, receiver: CallbackReceiver
) -> None:
    status, created = await admin(
        "POST",
        "merchants",
        {"merchantNo": NEW, "secret": "s3cret", "balance": "5000", "notifyUrl": receiver.url},
    )
    assert status == 201
    assert created == {
        "merchantNo": NEW,
        "secret": "s3cret",
        "area": "default",
        "balance": "5000.00",
        "notifyUrl": receiver.url,
        "runtime": True,
        "balances": {
            "availableAmount": "5000.00",
            "freezeAmount": "0.00",
            "unsettledAmount": "0.00",
        },
    }
    answer = await payout("T1", merchant_no=NEW, secret="s3cret", amount="300")
    assert answer["code"] == "0000", answer
    # The balance is its own: 300 frozen out of 5000.
    _, one = await admin("GET", f"merchants/{NEW}")
    assert one["balances"] == {
        "availableAmount": "4700.00",
        "freezeAmount": "300.00",
        "unsettledAmount": "0.00",
    }
    # A payout over the rest of its balance is refused, as the gateway would.
    refused = await payout("T2", merchant_no=NEW, secret="s3cret", amount="4800")
    assert refused["code"] == "8000"
    assert refused["msg"].startswith("insufficient balance")
    # Its callback is signed with its secret.
    await admin("POST", "clock/advance", {"seconds": 2})
    (callback,) = receiver.received
    assert callback.trade_no == "T1"
    assert verify(callback.body, "s3cret")


async def test_without_a_number_or_secret_it_gets_fresh_ones(admin: Admin) -> None:
    status, first = await admin("POST", "merchants", {})
    _, second = await admin("POST", "merchants")
    assert status == 201
    for created in (first, second):
        assert len(created["merchantNo"]) == 10 and created["merchantNo"].isdigit()
        assert len(created["secret"]) == 32
        assert created["area"] == "default"
        assert created["balance"] == "100000000.00"
        assert created["notifyUrl"] is None
    assert first["merchantNo"] != second["merchantNo"]
    assert first["secret"] != second["secret"]


async def test_the_listing_never_shows_a_secret(admin: Admin) -> None:
    await admin("POST", "merchants", {"merchantNo": NEW, "area": "indonesia"})
    status, body = await admin("GET", "merchants")
    assert status == 200
    assert body["count"] == 2
    assert [(m["merchantNo"], m["area"], m["runtime"]) for m in body["merchants"]] == [
        (MERCHANT_NO, "default", False),
        (NEW, "indonesia", True),
    ]
    assert all("secret" not in m for m in body["merchants"])
    assert SECRET not in str(body)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"merchantNo": "123"}, "merchantNo must be 10 digits; got '123'"),
        ({"merchantNo": 1234567890}, "merchantNo must be a non-empty string"),
        ({"secret": ""}, "secret must be a non-empty string"),
        ({"secret": "x" * 257}, "secret must be at most 256 characters; got 257"),
        ({"balance": "-1"}, "balance must be a non-negative amount such as \"5000.00\"; got '-1'"),
        ({"balance": True}, 'balance must be a non-negative amount such as "5000.00"; got True'),
        (
            {"balance": "NaN"},
            "balance must be a non-negative amount such as \"5000.00\"; got 'NaN'",
        ),
        ({"notifyUrl": "ftp://x/y"}, "notifyUrl must be an absolute http(s) URL; got 'ftp://x/y'"),
        (
            {"colour": "red"},
            "unknown field 'colour'; the fields: merchantNo, secret, area, balance, notifyUrl",
        ),
    ],
)
async def test_bad_fields_are_refused_with_a_message(
    admin: Admin, payload: dict[str, Any], message: str
) -> None:
    assert await admin("POST", "merchants", payload) == (400, {"error": message})
    assert (await admin("GET", "merchants"))[1]["count"] == 1


async def test_an_unknown_area_names_the_known_ones(admin: Admin) -> None:
    status, body = await admin("POST", "merchants", {"area": "atlantis"})
    assert status == 400
    assert body["error"].startswith("unknown area 'atlantis'; known areas: ")
    assert "indonesia" in body["error"] and "_common" not in body["error"]


async def test_a_taken_number_is_a_conflict(admin: Admin) -> None:
    assert await admin("POST", "merchants", {"merchantNo": MERCHANT_NO}) == (
        409,
        {"error": f"merchant {MERCHANT_NO} already exists"},
    )


async def test_delete_removes_its_orders_callbacks_and_journal(
    admin: Admin, payout: Payout, receiver: CallbackReceiver, client: Client
) -> None:
    await admin("POST", "merchants", {"merchantNo": NEW, "secret": "s3cret"})
    await payout("T1", merchant_no=NEW, secret="s3cret")
    await payout("T1")  # the configured merchant's own T1 stays
    status, body = await admin("DELETE", f"merchants/{NEW}")
    assert (status, body) == (
        200,
        {"deleted": NEW, "deletedOrders": 1, "cancelledCallbacks": 1},
    )
    _, orders = await admin("GET", "transactions")
    assert [(o["merchantNo"], o["tradeNo"]) for o in orders["transactions"]] == [
        (MERCHANT_NO, "T1")
    ]
    _, journal = await admin("GET", "requests")
    assert [e["merchantNo"] for e in journal["requests"]] == [MERCHANT_NO]
    await admin("POST", "clock/advance", {"seconds": 60})
    assert [c.trade_no for c in receiver.received] == ["T1"]
    assert verify(receiver.received[0].body, SECRET)
    # The merchant is gone from the gateway too.
    gone = await payout("T2", merchant_no=NEW, secret="s3cret")
    assert gone["code"] == "8000"
    assert gone["msg"].startswith(f"merchant '{NEW}' does not exist; this sandbox serves ")
    assert NEW not in gone["msg"].split("serves ")[1]
    assert await admin("GET", f"merchants/{NEW}") == (
        404,
        {"error": f"merchant {NEW} is not configured"},
    )


async def test_a_configured_merchant_cannot_be_deleted(admin: Admin) -> None:
    status, body = await admin("DELETE", f"merchants/{MERCHANT_NO}")
    assert status == 409
    assert body["error"] == (
        f"merchant {MERCHANT_NO} comes from the configuration; only merchants created "
        "through POST /_sandbox/merchants can be removed"
    )
    assert await admin("DELETE", "merchants/0000000999") == (
        404,
        {"error": "merchant 0000000999 is not configured"},
    )


async def test_reset_restores_a_runtime_merchants_starting_balance(
    admin: Admin, payout: Payout
) -> None:
    await admin("POST", "merchants", {"merchantNo": NEW, "secret": "s", "balance": "1000.50"})
    await payout("T1", merchant_no=NEW, secret="s", amount="500")
    assert (await admin("POST", "reset", {"merchantNo": NEW}))[0] == 200
    _, one = await admin("GET", f"merchants/{NEW}")
    assert one["balances"]["availableAmount"] == "1000.50"
    # A full reset keeps runtime merchants (they are configuration, made over HTTP).
    assert (await admin("POST", "reset"))[0] == 200
    assert (await admin("GET", f"merchants/{NEW}"))[0] == 200


class TestWithAnAdminToken:
    @pytest.fixture
    def config(self) -> SandboxConfig:
        return SandboxConfig(
            scenarios=TEST_SCENARIOS, admin_token="tok", merchants=(Merchant(MERCHANT_NO, SECRET),)
        )

    async def test_the_merchant_routes_need_it(self, admin: Admin) -> None:
        status, _ = await admin("POST", "merchants", {})
        assert status == 401
        assert (await admin("POST", "merchants", {}, token="tok"))[0] == 201
