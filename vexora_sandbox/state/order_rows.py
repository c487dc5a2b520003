"""Orders in the state file: the columns a start reads, and one JSON record for the rest.

A start with 100,000 orders reads, for each, only what it needs before serving: the keys
(merchant, tradeNo, platform number) to find it, the fields the ledger check sums (kind,
status, amount, paid amount, currency) and whether status changes are deferred. Everything
else (endpoint, area, notify URL, remark, times, message, submit state, extras, history,
notes, repeated payments) is one JSON text, parsed when the order is first read
(``state.lazy``): one Python object per order instead of a dozen, which was most of a
start's reading time.

A field added to orders goes at the end of ``RECORD``, read with a default from the
records written before it. An export keeps the flat columns of ``codecs.ORDERS``
(``logical`` and ``stored`` convert), as do the files of schema versions 1 and 2, which
``state.sqlite`` converts on opening.
"""

from __future__ import annotations

import json

from vexora_sandbox.domain.orders import Order, OrderKind, Repeat, StatusChange
from vexora_sandbox.domain.payments import amount_value
from vexora_sandbox.state.codecs import ORDERS, Row, Table, compact

STORED = Table(
    "orders",
    (
        "merchant_no",
        "trade_no",
        "platform_trade_no",
        "kind",
        "status",
        "amount",
        "paid_amount",
        "currency",
        "deferred",
        "record",
    ),
    key=("merchant_no", "trade_no"),
)
RECORD = (
    "endpoint",
    "area",
    "notify_url",
    "remark",
    "created_at",
    "message",
    "success_time",
    "awaits_submit",
    "extras",
    "history",
    "notes",
    "repeats",
)
KINDS = {kind.value: kind for kind in OrderKind}
# The JSON-text columns of an export's order (parsed into the record, or kept as text).
_NESTED = ("extras", "history", "notes", "repeats")
# What a record written before a field was added holds for it.
_DEFAULTS = {"repeats": "[]"}
# The end of a record without repeated payments: only other records are parsed by the
# start's ledger check (state.restore), which must count what the repeats collected.
NO_REPEATS = ",[]]"


def order_row(order: Order) -> Row:
    """The order as the state file keeps it."""
    record = [
        order.endpoint,
        order.area,
        order.notify_url,
        order.remark,
        order.created_at,
        order.message,
        order.success_time,
        int(order.awaits_submit),
        order.extras,
        [[c.status, c.message, c.at] for c in order.history],
        order.notes,
        [[r.amount, r.status, r.at] for r in order.repeats],
    ]
    return (
        order.merchant_no,
        order.trade_no,
        order.platform_trade_no,
        order.kind.value,
        order.status,
        order.amount,
        order.paid_amount,
        order.currency,
        compact(order.deferred) if order.deferred else "[]",
        compact(record),
    )


def order_from(row: Row) -> Order:
    """A stored row back as the order (on its first read: ``state.lazy``). ``deferred``
    may come as None for none (``SqliteBackend.load``)."""
    number, trade_no, platform, kind_text, status, amount, paid, currency, deferred, text = row
    kind = KINDS.get(kind_text)
    if kind is None:
        raise ValueError(f"order {trade_no} has an unknown kind {kind_text!r}")
    values = json.loads(text)
    (
        endpoint,
        area,
        notify_url,
        remark,
        created_at,
        message,
        success_time,
        awaits_submit,
        extras,
        history,
        notes,
    ) = values[:11]
    repeats = values[11] if len(values) > 11 else []
    return Order(
        number,
        trade_no,
        platform,
        kind,
        endpoint,
        area,
        amount,
        amount_value(amount),
        notify_url,
        remark,
        created_at,
        currency=currency,
        status=status,
        message=message,
        success_time=success_time,
        paid_amount=paid,
        extras=extras,
        awaits_submit=bool(awaits_submit),
        history=[StatusChange(s, m, at) for s, m, at in history],
        deferred=[]
        if deferred is None or deferred == "[]"
        else [tuple(c) for c in json.loads(deferred)],
        notes=notes,
        repeats=[Repeat(a, s, at) for a, s, at in repeats],
    )


def repeats_of(row: Row) -> list[tuple[str, str]]:
    """A stored row's repeated payments as (amount, status), without building the order."""
    text: str = row[-1]
    if text.endswith(NO_REPEATS):
        return []
    values = json.loads(text)
    return [(a, s) for a, s, _ in values[11]] if len(values) > 11 else []


def orders_from(rows: list[Row]) -> list[Order]:
    return [order_from(row) for row in rows]


def stored(row: Row) -> Row:
    """An order row of an export (or of a file of schema version 1 or 2) as kept now."""
    fields = dict(zip(ORDERS.columns, row, strict=True))
    nested = {name: json.loads(fields[name] or _DEFAULTS.get(name, "null")) for name in _NESTED}
    record = [nested[name] if name in nested else fields[name] for name in RECORD]
    return (*(fields[name] for name in STORED.columns[:-1]), compact(record))


def logical(row: Row) -> Row:
    """A kept order row as an export shows it (``codecs.ORDERS``)."""
    fields = dict(zip(STORED.columns[:-1], row[:-1], strict=True))
    values = json.loads(row[-1])
    values += [json.loads(_DEFAULTS[name]) for name in RECORD[len(values) :]]
    record = dict(zip(RECORD, values, strict=True))
    for name in _NESTED:
        record[name] = compact(record[name])
    merged = {**fields, **record}
    return tuple(merged[name] for name in ORDERS.columns)
