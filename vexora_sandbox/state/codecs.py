"""Ledgers, callback deliveries, runtime merchants and scenarios as table rows, and rows
as JSON records (orders: ``state.order_rows``).

A row is a tuple in the order of its table's ``columns``; scalar fields get columns of
their own and nested ones (extras, attempts, bodies) one JSON text each. The JSON-lines
export uses the same columns as keys, with the JSON texts parsed and bytes in base64.
``ORDERS`` is the orders' table as an export shows it; the state file keeps them in
another layout (``order_rows.STORED``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from vexora_sandbox.callbacks.delivery import Delivery
from vexora_sandbox.domain.ledger import Ledger
from vexora_sandbox.domain.orders import Order
from vexora_sandbox.domain.store import Merchant
from vexora_sandbox.scenarios.model import CallbackSpec

Row = tuple[Any, ...]
compact: Callable[[Any], str] = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    json_columns: frozenset[str] = frozenset()
    blob_columns: frozenset[str] = frozenset()

    def record(self, row: Row) -> dict[str, Any]:
        """A row as a JSON-ready record (the export's line)."""
        record: dict[str, Any] = {}
        for name, value in zip(self.columns, row, strict=True):
            if value is not None and name in self.json_columns:
                value = json.loads(value)
            elif value is not None and name in self.blob_columns:
                value = base64.b64encode(value).decode("ascii")
            record[name] = value
        return record

    def row(self, record: Mapping[str, Any]) -> Row:
        """A record back as a row; KeyError naming a missing column."""
        values: list[Any] = []
        for name in self.columns:
            if name not in record:
                raise KeyError(name)
            value = record[name]
            if value is not None and name in self.json_columns:
                value = compact(value)
            elif value is not None and name in self.blob_columns:
                value = base64.b64decode(value, validate=True)
            values.append(value)
        return tuple(values)


ORDERS = Table(
    "orders",
    (
        "merchant_no",
        "trade_no",
        "platform_trade_no",
        "kind",
        "endpoint",
        "area",
        "amount",
        "notify_url",
        "remark",
        "created_at",
        "status",
        "message",
        "success_time",
        "paid_amount",
        "awaits_submit",
        "extras",
        "history",
        "currency",
        "deferred",
        "notes",
        "repeats",
    ),
    key=("merchant_no", "trade_no"),
    json_columns=frozenset({"extras", "history", "deferred", "notes", "repeats"}),
)

LEDGERS = Table(
    "ledgers",
    (
        "merchant_no",
        "currency",
        "opening",
        "available",
        "freeze",
        "unsettled",
        "due",
        "seq",
    ),
    key=("merchant_no", "currency"),
    json_columns=frozenset({"due"}),
)

DELIVERIES = Table(
    "deliveries",
    (
        "id",
        "merchant_no",
        "trade_no",
        "url",
        "due_at",
        "spec",
        "origin",
        "scenario",
        "body",
        "payload",
        "applied",
        "attempts",
        "acknowledged",
        "gave_up",
        "cancelled",
        "next_attempt_at",
        "replay_of",
        "late_ms",
        "pending",
    ),
    key=("id",),
    json_columns=frozenset({"spec", "body", "attempts"}),
    blob_columns=frozenset({"payload"}),
)

# The merchants created at runtime (POST /_sandbox/merchants); the configured ones come
# from the configuration at each start. Not in TABLES: a reset drops a merchant's orders,
# ledgers and callbacks, never the merchant.
MERCHANTS = Table(
    "merchants",
    ("merchant_no", "secret", "area", "balance", "notify_url", "runtime"),
    key=("merchant_no",),
)

# The runtime scenarios (POST /_sandbox/scenarios), a scope's in its matching order:
# ``merchant_no`` is "" for the global scope. A scenario is kept as the text that was
# posted and its place in it (``item``): read back with the same parser and checks, it is
# the same scenario, its source line included. A reset drops a merchant's (every one, the
# global ones too, when it resets everything).
SCENARIOS = Table(
    "scenarios",
    ("merchant_no", "position", "name", "text", "item"),
    key=("merchant_no", "position"),
)

TABLES = (ORDERS, LEDGERS, DELIVERIES, SCENARIOS)


# --- runtime merchants -------------------------------------------------------------------


def merchant_row(merchant: Merchant) -> Row:
    return (
        merchant.merchant_no,
        merchant.secret,
        merchant.area,
        str(merchant.balance),
        merchant.notify_url,
        int(merchant.runtime),
    )


def merchant_from(row: Row) -> Merchant:
    number, secret, area, balance, notify_url, runtime = row
    return Merchant(
        str(number), str(secret), str(area), Decimal(balance), str(notify_url), bool(runtime)
    )


# --- ledgers ---------------------------------------------------------------------------


def ledger_row(merchant_no: str, currency: str, opening: Decimal, ledger: Ledger) -> Row:
    # The due collections are the ledger's own heap; kept as it is, so it stays a heap.
    due = [[at, seq, str(amount)] for at, seq, amount in ledger._due]
    return (
        merchant_no,
        currency,
        str(opening),
        str(ledger.available),
        str(ledger.freeze),
        str(ledger.unsettled),
        compact(due),
        ledger._seq,
    )


def ledger_from(row: Row) -> tuple[str, str, Decimal, Ledger]:
    """(merchant_no, currency, opening balance, ledger)."""
    merchant_no, currency, opening, available, freeze, unsettled, due, seq = row
    ledger = Ledger(Decimal(available), Decimal(freeze), Decimal(unsettled))
    ledger._due = [(at, number, Decimal(amount)) for at, number, amount in json.loads(due)]
    ledger._seq = seq
    return merchant_no, currency, Decimal(opening), ledger


# --- deliveries ------------------------------------------------------------------------


def _spec(spec: CallbackSpec) -> str:
    return compact(
        {
            "after": spec.after,
            "status": spec.status,
            "message": spec.message,
            "amount": spec.amount,
            "sign": spec.sign,
            "repeat": spec.repeat,
        }
    )


class DeliveryEncoder:
    """Delivery rows, remembering the JSON of what does not change: a delivery is written
    up to three times (queued, built, each attempt) with the same spec and body."""

    def __init__(self) -> None:
        self._specs: dict[CallbackSpec, str] = {}
        self._bodies: dict[int, tuple[dict[str, str], str]] = {}

    def clear(self) -> None:
        self._bodies.clear()

    def row(self, delivery: Delivery) -> Row:
        spec = delivery.spec
        spec_text = None
        if spec is not None:
            spec_text = self._specs.get(spec)
            if spec_text is None:
                spec_text = self._specs[spec] = _spec(spec)
        body = delivery.body
        body_text = None
        if body is not None:
            known = self._bodies.get(delivery.id)
            body_text = known[1] if known is not None and known[0] is body else compact(body)
        pending = delivery.pending
        if pending and body is not None:
            self._bodies[delivery.id] = (body, body_text or "")
        else:
            self._bodies.pop(delivery.id, None)
        order = delivery.order
        return (
            delivery.id,
            order.merchant_no,
            order.trade_no,
            delivery.url,
            delivery.due_at,
            spec_text,
            delivery.origin,
            delivery.scenario,
            body_text,
            delivery.payload,
            None if delivery.applied is None else int(delivery.applied),
            compact(delivery.attempts),
            int(delivery.acknowledged),
            int(delivery.gave_up),
            int(delivery.cancelled),
            delivery.next_attempt_at,
            delivery.replay_of,
            delivery.late_ms,
            int(pending),
        )


def delivery_row(delivery: Delivery) -> Row:
    return DeliveryEncoder().row(delivery)


def deliveries_from(rows: list[Row], orders: list[Order]) -> list[Delivery]:
    """Delivery rows back, each for its order (``orders[i]`` for ``rows[i]``). As for orders,
    the JSON texts are parsed in one call per column, and each distinct spec once."""
    bodies = json.loads("[" + ",".join(row[8] or "null" for row in rows) + "]")
    attempts = json.loads("[" + ",".join(row[11] for row in rows) + "]")
    specs: dict[str, CallbackSpec] = {}  # frozen: shared safely
    found: list[Delivery] = []
    for row, order, body, tried in zip(rows, orders, bodies, attempts, strict=True):
        spec_text = row[5]
        spec = None
        if spec_text is not None:
            spec = specs.get(spec_text)
            if spec is None:
                spec = specs[spec_text] = CallbackSpec(**json.loads(spec_text))
        applied = row[10]
        found.append(
            Delivery(
                id=row[0],
                order=order,
                url=row[3],
                due_at=row[4],
                spec=spec,
                origin=row[6],
                scenario=row[7],
                body=body,
                payload=row[9],
                applied=None if applied is None else bool(applied),
                attempts=tried,
                acknowledged=bool(row[12]),
                gave_up=bool(row[13]),
                cancelled=bool(row[14]),
                next_attempt_at=row[15],
                replay_of=row[16],
                late_ms=row[17],
            )
        )
    return found
