"""Journals are bounded in bytes, not only in entries.

Each refused 1 MB request kept its body and its sign base (about 2 MB), so 1,500 of them
held 2.9 GB (about 20 GB at the default 10,000 entries). An entry now keeps at most 64 KiB,
marked ``truncated``, and a journal at most 64 MiB in all.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import MERCHANT_NO, Client, payout_body
from vexora_sandbox import keys
from vexora_sandbox.journal import ENTRY_BYTES, Journal, json_size
from vexora_sandbox.protocol.jsonbody import JsonNumber

BIG = 900_000  # characters: the body stays under the default 1 MiB limit


async def test_a_huge_refused_request_keeps_a_truncated_entry(client: Client) -> None:
    body = {**payout_body(remark="r" * BIG), "sign": "0" * 32}
    for n in range(5):
        response = await client.post(
            "/v1/vexora/disbursements",
            json={**body, "tradeNo": f"BIG{n}"},
            headers={"merchantNo": MERCHANT_NO},
        )
        answer = await response.json()
        assert answer["msg"].startswith("sign error")
        assert len(response.headers["X-Sandbox-Sign-Base"]) < 2200  # the header was cut before
    response = await client.get("/_sandbox/requests")
    shown = await response.read()
    assert len(shown) < 5 * (ENTRY_BYTES + 1024)  # it was about 5 x 1.8 MB
    entries = json.loads(shown)["requests"]
    assert len(entries) == 5
    entry = entries[0]
    assert entry["truncated"] is True
    assert entry["originalBytes"] > 2 * BIG  # the body and the sign base
    assert entry["body"]["tradeNo"] == "BIG0"  # short fields are kept whole
    assert entry["body"]["remark"] == "r" * 1024 + f"... ({BIG - 1024} more characters not kept)"
    assert entry["signBase"].endswith("more characters not kept)")
    assert entry["error"].startswith("sign error: sign does not match")
    assert len(json.dumps(entry)) <= ENTRY_BYTES + 1024
    # Filters on short fields still work.
    response = await client.get("/_sandbox/requests", params={"tradeNo": "BIG3"})
    assert [e["body"]["tradeNo"] for e in (await response.json())["requests"]] == ["BIG3"]
    assert client.app[keys.REQUESTS].bytes < 5 * (ENTRY_BYTES + 1024)


def test_the_total_byte_budget_drops_the_oldest_entries() -> None:
    journal = Journal(10_000, total_bytes=1024 * 1024)
    for n in range(100):
        journal.add({"n": n, "blob": "x" * 60_000})
    assert journal.bytes <= 1024 * 1024
    assert len(journal) == 17
    assert journal.dropped == 83
    assert next(e["n"] for e in journal) == 83
    assert sum(json_size(e) for e in journal) == journal.bytes


def test_small_entries_are_kept_whole_and_counted_by_entries() -> None:
    journal = Journal(3)
    for n in range(5):
        entry = journal.add({"n": n, "body": {"tradeNo": f"T{n}", "amount": 1.5, "ok": True}})
        assert "truncated" not in entry
    assert [e["n"] for e in journal] == [2, 3, 4]
    assert [e["id"] for e in journal] == [3, 4, 5]
    assert journal.dropped == 2
    journal.clear(lambda e: e["n"] == 3)
    assert [e["n"] for e in journal] == [2, 4]
    assert journal.bytes == sum(json_size(e) for e in journal)


def test_json_size_is_close_to_the_real_size() -> None:
    value = {"a": "héllo", "b": [1, 2, None, True], "c": {"d": 12345678901234567890, "e": 1.25}}
    real = len(json.dumps(value, ensure_ascii=False).encode())
    assert real * 0.7 <= json_size(value) <= real * 1.5
    assert 9_000 < json_size(10**10000) < 11_000  # 10,001 digits, without str()


async def test_the_delivery_log_is_bounded_in_bytes_and_loses_no_callback(
    client: Client,
) -> None:
    from vexora_sandbox import CallbackReceiver
    from vexora_sandbox.domain.orders import OrderKind
    from vexora_sandbox.scenarios.model import CallbackSpec

    app = client.app
    dispatcher = app[keys.DISPATCHER]
    dispatcher.deliveries.total_bytes = 2 * 1024 * 1024
    spec = (CallbackSpec(after=1, status="0000", message="SUCCESS"),)
    with CallbackReceiver() as receiver:
        for n in range(40):
            order = app[keys.PAYMENTS].create(
                merchant_no=MERCHANT_NO,
                trade_no=f"R{n}",
                kind=OrderKind.PAYOUT,
                endpoint="disbursements",
                area="default",
                amount="1",
                notify_url=receiver.url,
                remark="m" * 100_000,
            )
            dispatcher.schedule(order, spec)
        assert dispatcher.deliveries.bytes <= 2 * 1024 * 1024
        assert 0 < len(dispatcher.deliveries) < 40
        assert dispatcher.deliveries.dropped == 40 - len(dispatcher.deliveries)
        assert [d.order.trade_no for d in dispatcher.deliveries][-1] == "R39"
        await dispatcher.advance(1)
        # Dropped from the log, not from the queue: every callback was sent.
        assert sorted(c.trade_no for c in receiver.received) == sorted(f"R{n}" for n in range(40))


async def test_ordinary_callbacks_are_counted_by_entries_not_by_bytes(client: Client) -> None:
    """The byte budget is for huge deliveries: 10,000 ordinary ones with a few recorded
    attempts each stay well inside it, so ``journal_size`` is what bounds them."""
    from vexora_sandbox.callbacks.delivery import record_size, size_estimate
    from vexora_sandbox.domain.orders import OrderKind

    order = client.app[keys.PAYMENTS].create(
        merchant_no=MERCHANT_NO,
        trade_no="ORDINARY",
        kind=OrderKind.PAYOUT,
        endpoint="disbursements",
        area="default",
        amount="250.00",
        notify_url="https://merchant.example/vexora/notify",
        remark="order-42",
    )
    attempt = {"responseBody": "FAIL", "error": None}
    per_delivery = size_estimate(order) + 3 * record_size(attempt)
    deliveries = client.app[keys.DISPATCHER].deliveries
    assert 10_000 * per_delivery < deliveries.total_bytes


def _plain_size(value: object) -> int:
    """json_size's definition, one call per value (the journal's sizes are this)."""
    if isinstance(value, str):
        return (len(value) if value.isascii() else len(value.encode("utf-8", "replace"))) + 2
    if isinstance(value, dict):
        return 2 + sum(_plain_size(k) + _plain_size(v) + 2 for k, v in value.items())
    if isinstance(value, list | tuple):
        return 2 + sum(_plain_size(v) + 1 for v in value)
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() * 3 // 10 + 2
    return 24


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(_JSONISH)
def test_json_size_sizes_every_shape_as_its_definition(value: object) -> None:
    # The fast path for dicts of plain strings gives the same sizes.
    assert json_size(value) == _plain_size(value)
    assert json_size({"k": value, "é": "ü", "n": JsonNumber("1.50")}) == _plain_size(
        {"k": value, "é": "ü", "n": JsonNumber("1.50")}
    )
