"""A state file as JSON lines and back (``vexora-sandbox state export|import``).

The first line is a header: ``{"type": "vexora-sandbox-state", "schemaVersion": 3,
"meta": {...}}``. Each other line is one row: ``{"type": "merchant" | "order" | "ledger" |
"delivery" | "scenario", ...}`` with the columns of ``state.codecs`` as keys (version 1
had no merchants, version 2 no scenarios; both are still read). An import is checked like
a start (the ledgers must add up with the orders) before it replaces anything.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from vexora_sandbox.config import SandboxConfig
from vexora_sandbox.errors import ConfigError
from vexora_sandbox.state.backend import Snapshot
from vexora_sandbox.state.codecs import (
    DELIVERIES,
    LEDGERS,
    MERCHANTS,
    ORDERS,
    SCENARIOS,
    Row,
    Table,
)
from vexora_sandbox.state.order_rows import stored
from vexora_sandbox.state.sqlite import SCHEMA_VERSION, SqliteBackend

HEADER = "vexora-sandbox-state"
# Merchants first: an import reads its runtime merchants before their orders.
KINDS: dict[str, Table] = {
    "merchant": MERCHANTS,
    "order": ORDERS,
    "ledger": LEDGERS,
    "delivery": DELIVERIES,
    "scenario": SCENARIOS,
}
# Versions 1 and 2 differ only by having no merchant (1) and no scenario lines (1, 2).
READS = (1, 2, SCHEMA_VERSION)


class TransferError(Exception):
    """A line of an import that cannot be read: names the line."""


def export_lines(backend: SqliteBackend) -> Iterator[str]:
    """The open backend's state as JSON lines (without newlines)."""
    yield _dump({"type": HEADER, "schemaVersion": SCHEMA_VERSION, "meta": _meta(backend.meta())})
    for kind, table in KINDS.items():
        for row in backend.rows(table):
            yield _dump({"type": kind, **table.record(row)})


def _meta(meta: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in meta.items() if k != "schema_version"}


def _dump(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def read_lines(lines: Iterable[str], source: str) -> tuple[dict[str, list[Row]], dict[str, str]]:
    """The rows by table name and the meta values; TransferError naming the first bad line."""
    tables: dict[str, list[Row]] = {table.name: [] for table in KINDS.values()}
    meta: dict[str, str] | None = None
    for number, line in enumerate(lines, 1):
        where = f"{source}:{number}"
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TransferError(f"{where}: not JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise TransferError(f"{where}: each line must be a JSON object")
        kind = record.pop("type", None)
        if meta is None:
            meta = _header(record, kind, where)
            continue
        table = KINDS.get(kind) if isinstance(kind, str) else None
        if table is None:
            raise TransferError(
                f"{where}: unknown type {kind!r}; expected one of {', '.join(KINDS)}"
            )
        if table is ORDERS:
            record.setdefault("repeats", [])  # exports before repeated payments
        try:
            tables[table.name].append(table.row(record))
        except KeyError as exc:
            raise TransferError(f"{where}: a {kind} needs the key {exc.args[0]!r}") from None
        except ValueError as exc:
            raise TransferError(f"{where}: {exc}") from None
    if meta is None:
        raise TransferError(f"{source}: empty; an export starts with a {HEADER!r} line")
    orders = tables[ORDERS.name]
    deliveries = tables[DELIVERIES.name]
    # Hand-written fixtures may leave the counters out: go on after what the file holds.
    meta.setdefault("ids", str(len(orders)))
    meta.setdefault("next_delivery_id", str(max((r[0] for r in deliveries), default=0) + 1))
    return tables, meta


def _header(record: dict[str, Any], kind: object, where: str) -> dict[str, str]:
    if kind != HEADER:
        raise TransferError(f"{where}: the first line must be the header (type {HEADER!r})")
    version = record.get("schemaVersion")
    if version not in READS or isinstance(version, bool):
        raise TransferError(
            f"{where}: schemaVersion {version!r}; this sandbox imports "
            f"{', '.join(map(str, READS[:-1]))} or {READS[-1]}: "
            "export again with this version, or import with the version that exported it"
        )
    meta = record.get("meta", {})
    if not isinstance(meta, dict):
        raise TransferError(f"{where}: meta must be an object")
    return {str(k): str(v) for k, v in meta.items()}


def check(
    tables: dict[str, list[Row]], meta: dict[str, str], config: SandboxConfig, source: str
) -> int:
    """Load the rows as a start would (ConfigError naming what does not fit), and build
    every order (a start builds each on its first read: a fixture's mistake is found
    here, not when the order is first queried); the orders."""
    from vexora_sandbox import keys
    from vexora_sandbox.app import create_app
    from vexora_sandbox.state.restore import restore

    app = create_app(config.replace(state=None))
    snapshot = Snapshot(
        [stored(row) for row in tables[ORDERS.name]],
        tables[LEDGERS.name],
        tables[DELIVERIES.name],
        meta,
        tables[MERCHANTS.name],
        tables[SCENARIOS.name],
    )
    restored = restore(
        snapshot,
        source=source,
        payments=app[keys.PAYMENTS],
        dispatcher=app[keys.DISPATCHER],
        clock=app[keys.CLOCK],
        ids=app[keys.IDS],
        scenarios=app[keys.SCENARIOS],
        areas=app[keys.AREAS],
    )
    try:
        for _order in app[keys.STORE].orders():
            pass
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        raise ConfigError.single(
            source, f"an order cannot be read ({type(exc).__name__}: {exc})"
        ) from None
    return restored.orders


def import_lines(
    backend: SqliteBackend, text: TextIO, source: str, config: SandboxConfig, *, replace: bool
) -> int:
    """Read, check, then write into the open backend (empty, or ``replace``); the orders."""
    tables, meta = read_lines(text, source)
    orders = check(tables, meta, config, source)
    held = len(backend.rows(ORDERS))
    if held and not replace:
        raise TransferError(
            f"state file {backend.location} already holds {held} order(s); import into a new "
            "file, or pass --replace to drop them"
        )
    backend.replace_all(tables, meta)
    return orders
