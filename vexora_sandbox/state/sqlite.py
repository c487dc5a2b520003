"""The SQLite backend: one file in WAL mode, held by one sandbox at a time.

Through the standard library's ``sqlite3``: the writer already runs on a thread of its own
(``state.writer``), which is all an async wrapper such as aiosqlite would add, at the
price of a dependency and a thread hop per statement instead of one per batch.

``locking_mode=EXCLUSIVE`` with a first write transaction takes the file for this process
until it exits (a SIGKILL included: the lock is the operating system's), so a second
sandbox on the same file fails at once with "database is locked". In WAL mode with an
exclusive lock SQLite keeps no ``-shm`` file.

``synchronous=NORMAL`` (bench/state.py measures it against FULL): a commit is in the WAL
before the answer is sent, so a killed or crashed sandbox loses nothing it answered;
the WAL is synced to the disk at each checkpoint, not at each commit, so a power cut or
an operating-system crash can lose the last commits before it (never the file's
consistency). docs/configuration.md says so to users.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

from vexora_sandbox.errors import ConfigError
from vexora_sandbox.state.backend import Batch, Snapshot
from vexora_sandbox.state.codecs import (
    DELIVERIES,
    LEDGERS,
    MERCHANTS,
    ORDERS,
    SCENARIOS,
    TABLES,
    Row,
    Table,
)
from vexora_sandbox.state.order_rows import STORED, logical, stored

# 2: the runtime merchants' table; 3: the runtime scenarios' table, and orders kept as
# the columns a start reads plus one JSON record (state.order_rows).
SCHEMA_VERSION = 3
SYNCHRONOUS = "NORMAL"
# Non-pending deliveries beyond the journal's bound are deleted every this many commits.
PRUNE_EVERY = 1000

_MERCHANTS = """
CREATE TABLE merchants (
    merchant_no TEXT PRIMARY KEY, secret TEXT NOT NULL, area TEXT NOT NULL,
    balance TEXT NOT NULL, notify_url TEXT NOT NULL, runtime INTEGER NOT NULL
) WITHOUT ROWID;
"""
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE ledgers (
    merchant_no TEXT NOT NULL, currency TEXT NOT NULL, opening TEXT NOT NULL,
    available TEXT NOT NULL, freeze TEXT NOT NULL, unsettled TEXT NOT NULL,
    due TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (merchant_no, currency)
) WITHOUT ROWID;
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY, merchant_no TEXT NOT NULL, trade_no TEXT NOT NULL,
    url TEXT NOT NULL, due_at REAL NOT NULL, spec TEXT, origin TEXT NOT NULL,
    scenario TEXT NOT NULL, body TEXT, payload BLOB, applied INTEGER,
    attempts TEXT NOT NULL, acknowledged INTEGER NOT NULL, gave_up INTEGER NOT NULL,
    cancelled INTEGER NOT NULL, next_attempt_at REAL, replay_of INTEGER, late_ms INTEGER,
    pending INTEGER NOT NULL
);
CREATE INDEX deliveries_pending ON deliveries (pending, id);
CREATE INDEX deliveries_order ON deliveries (merchant_no, trade_no);
"""
_SCENARIOS = """
CREATE TABLE scenarios (
    merchant_no TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL,
    text TEXT NOT NULL, item INTEGER NOT NULL,
    PRIMARY KEY (merchant_no, position)
) WITHOUT ROWID;
"""
_ORDERS = """
CREATE TABLE orders (
    merchant_no TEXT NOT NULL, trade_no TEXT NOT NULL, platform_trade_no TEXT NOT NULL,
    kind TEXT NOT NULL, status TEXT NOT NULL, amount TEXT NOT NULL, paid_amount TEXT,
    currency TEXT NOT NULL, deferred TEXT NOT NULL, record TEXT NOT NULL,
    UNIQUE (merchant_no, trade_no)
);
"""
_SCHEMA += _MERCHANTS + _SCENARIOS + _ORDERS


def _execute(db: sqlite3.Connection, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _to_version_3(db: sqlite3.Connection) -> None:
    """The scenarios' table, and the orders from flat columns (codecs.ORDERS) to kept rows
    (order_rows.stored), in their order: one pass over the table, in the same transaction."""
    _execute(db, _SCENARIOS)
    db.execute("ALTER TABLE orders RENAME TO orders_version_2")
    _execute(db, _ORDERS)
    # Version 2 had no repeated payments (codecs.ORDERS' last column): none, then.
    flat = ", ".join(c if c != "repeats" else "NULL" for c in ORDERS.columns)
    found = db.execute(f"SELECT {flat} FROM orders_version_2 ORDER BY rowid")
    db.executemany(_UPSERT[STORED.name], map(stored, found.fetchall()))
    db.execute("DROP TABLE orders_version_2")


# Steps from one schema version to the next: MIGRATIONS[n] takes a file from n to n + 1.
MIGRATIONS: dict[int, str | Callable[[sqlite3.Connection], None]] = {
    1: _MERCHANTS,
    2: _to_version_3,
}


def _upsert(table: Table) -> str:
    names = ", ".join(table.columns)
    marks = ", ".join("?" * len(table.columns))
    updates = ", ".join(f"{c} = excluded.{c}" for c in table.columns if c not in table.key)
    return (
        f"INSERT INTO {table.name} ({names}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET {updates}"
    )


# The orders' table is kept as order_rows.STORED (TABLES has an export's columns).
_UPSERT = {t.name: _upsert(t) for t in (STORED, LEDGERS, DELIVERIES, SCENARIOS, MERCHANTS)}


class SqliteBackend:
    """One SQLite file. Every method but ``__init__`` runs on the writer's thread."""

    def __init__(self, path: str, *, synchronous: str = SYNCHRONOUS) -> None:
        self.location = path
        self.synchronous = synchronous
        self._db: sqlite3.Connection | None = None
        self._keep = 0
        self._commits = 0

    @property
    def db(self) -> sqlite3.Connection:
        assert self._db is not None, "open() first"
        return self._db

    def _error(self, message: str) -> ConfigError:
        return ConfigError.single(f"state file {self.location}", message)

    def _explain(self, exc: sqlite3.Error) -> ConfigError:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return self._error(
                "another vexora-sandbox (or another program) is using it; stop that one, "
                "or give this one another --state file"
            )
        if "readonly" in text or "unable to open" in text:
            return self._error(
                f"cannot write it ({text}); check the path and its directory's permissions, "
                "or start with --state :memory:"
            )
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
            return self._error(
                f"it is not a state file or it is damaged ({text}); move it away to start "
                "afresh, or start from an export with 'vexora-sandbox state import'"
            )
        return self._error(f"SQLite error: {text}")

    def open(self) -> None:
        path = Path(self.location)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._error(f"cannot create its directory: {exc.strerror or exc}") from None
        if path.is_dir():
            raise self._error("it is a directory; give a file name inside it")
        try:
            # timeout=0: a file held by another sandbox is an error now, not after a wait.
            self._db = sqlite3.connect(
                self.location, isolation_level=None, timeout=0, check_same_thread=True
            )
            self.db.execute("PRAGMA locking_mode = EXCLUSIVE")
            mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                raise self._error(f"SQLite could not switch it to WAL mode (got {mode})")
            self.db.execute(f"PRAGMA synchronous = {self.synchronous}")
            self.db.execute("BEGIN EXCLUSIVE")
            try:
                self._check_schema()
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._close_quietly()
            raise self._explain(exc) from None
        except ConfigError:
            self._close_quietly()
            raise

    def _check_schema(self) -> None:
        found = self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {row[0] for row in found}
        if not tables:
            _execute(self.db, _SCHEMA)
            self._set_meta({"schema_version": str(SCHEMA_VERSION)})
            return
        if "meta" not in tables:
            raise self._error(
                "it is an SQLite file of another program (no vexora-sandbox meta table); "
                "give the sandbox a file of its own"
            )
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row and str(row[0]).isdigit() else 0
        if version > SCHEMA_VERSION:
            raise self._error(
                f"it was written by a newer vexora-sandbox (schema version {version}; this "
                f"one reads up to {SCHEMA_VERSION}): run that newer version, or export with it "
                "('vexora-sandbox state export') and import into a new file"
            )
        if version < 1:
            raise self._error("its schema version is missing; it was not written by the sandbox")
        while version < SCHEMA_VERSION:
            step = MIGRATIONS[version]
            if isinstance(step, str):
                _execute(self.db, step)
            else:
                step(self.db)
            version += 1
            self._set_meta({"schema_version": str(version)})

    def _set_meta(self, values: dict[str, str]) -> None:
        self.db.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            values.items(),
        )

    def load(self, keep: int) -> Snapshot:
        self._keep = keep
        try:
            self._prune()
            orders = self.db.execute(f"SELECT {_LOAD_ORDERS} FROM orders ORDER BY rowid")
            order_rows = orders.fetchall()
            ledger_rows = self.db.execute(f"SELECT {_names(LEDGERS)} FROM ledgers").fetchall()
            delivery_rows = self.db.execute(
                f"SELECT {_names(DELIVERIES)} FROM deliveries ORDER BY id"
            ).fetchall()
            meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
            merchant_rows = self.rows(MERCHANTS)
            scenario_rows = self.rows(SCENARIOS)
        except sqlite3.Error as exc:
            raise self._explain(exc) from None
        return Snapshot(order_rows, ledger_rows, delivery_rows, meta, merchant_rows, scenario_rows)

    def _prune(self) -> None:
        """Keep the pending deliveries and the newest ``keep`` others (the bounded journal)."""
        self.db.execute(
            "DELETE FROM deliveries WHERE pending = 0 AND id < ("
            " SELECT COALESCE(MIN(id), 0) FROM ("
            "  SELECT id FROM deliveries WHERE pending = 0 ORDER BY id DESC LIMIT ?))",
            (self._keep,),
        )

    def commit(self, batch: Batch) -> None:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            for merchant_no in batch.forget:
                for table in TABLES:
                    if merchant_no is None:
                        db.execute(f"DELETE FROM {table.name}")
                    else:
                        db.execute(
                            f"DELETE FROM {table.name} WHERE merchant_no = ?", (merchant_no,)
                        )
            for merchant_no in batch.removed:
                for table in (*TABLES, MERCHANTS):
                    db.execute(f"DELETE FROM {table.name} WHERE merchant_no = ?", (merchant_no,))
            if batch.merchants:
                db.executemany(_UPSERT[MERCHANTS.name], batch.merchants)
            for table, rows in ((ORDERS, batch.orders), (LEDGERS, batch.ledgers)):
                if rows:
                    db.executemany(_UPSERT[table.name], rows)
            if batch.deliveries:
                db.executemany(_UPSERT[DELIVERIES.name], batch.deliveries)
            for scope, rows in batch.scenarios.items():
                db.execute("DELETE FROM scenarios WHERE merchant_no = ?", (scope,))
                db.executemany(_UPSERT[SCENARIOS.name], rows)
            if batch.meta:
                self._set_meta(batch.meta)
            self._commits += 1
            if self._commits % PRUNE_EVERY == 0:
                self._prune()
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        if self._db is None:
            return
        try:
            # Fold the WAL back into the file, so that the file alone is the whole state.
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self._close_quietly()

    def _close_quietly(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    # --- export and import (JSON lines): rows, no domain objects --------------------

    def rows(self, table: Table) -> list[Row]:
        """The table's rows with the columns of ``table`` (orders: as an export shows them)."""
        order = _ORDER.get(table.name, "rowid")
        kept = STORED if table is ORDERS else table
        query = f"SELECT {_names(kept)} FROM {table.name} ORDER BY {order}"
        found = self.db.execute(query).fetchall()
        return list(map(logical, found)) if table is ORDERS else found

    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    def replace_all(self, tables: dict[str, list[Row]], meta: dict[str, str]) -> None:
        """Make the file hold exactly these rows (one transaction)."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            for table in (*TABLES, MERCHANTS):
                rows = tables.get(table.name, [])
                db.execute(f"DELETE FROM {table.name}")
                db.executemany(_UPSERT[table.name], map(stored, rows) if table is ORDERS else rows)
            db.execute("DELETE FROM meta WHERE key != 'schema_version'")
            self._set_meta(meta)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


# The export's order; these tables have no rowid.
_ORDER = {
    LEDGERS.name: "merchant_no, currency",
    MERCHANTS.name: "merchant_no",
    SCENARIOS.name: "merchant_no, position",
}


def _names(table: Table) -> str:
    return ", ".join(table.columns)


# A start reads no deferred changes as NULL: None, where "[]" would be a new string per
# order (order_rows.order_from reads both), and the rows to defer are those with a value.
_LOAD_ORDERS = ", ".join("NULLIF(deferred, '[]')" if c == "deferred" else c for c in STORED.columns)
