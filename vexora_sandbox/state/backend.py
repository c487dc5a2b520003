"""The narrow interface between the sandbox and where its state is kept.

``writer.StateWriter`` calls a backend from one thread of its own, in this order: ``open``
once (take the file, check or migrate its schema), ``load`` once, then ``commit`` for each
batch, then ``close``. A backend never sees a domain object: only the rows of
``state.codecs``, so a second one (PostgreSQL, docs/design.md) is a module beside
``state.sqlite`` and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from vexora_sandbox.state.codecs import Row


@dataclass
class Batch:
    """What changed since the last commit, committed in one transaction.

    ``forget``: merchants whose state a reset dropped (None: every merchant); applied
    before the upserts, which all come after the reset. ``removed``: runtime merchants
    deleted since (their rows of every table go); ``merchants``: runtime merchants created
    since (a number is in one of the two, as its last change left it). ``scenarios``: the
    runtime scenarios' scopes that changed ("" for the global one), each with all its rows.
    """

    forget: list[str | None] = field(default_factory=list)
    orders: list[Row] = field(default_factory=list)
    ledgers: list[Row] = field(default_factory=list)
    deliveries: list[Row] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    merchants: list[Row] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    scenarios: dict[str, list[Row]] = field(default_factory=dict)

    def __len__(self) -> int:
        return (
            len(self.forget)
            + len(self.orders)
            + len(self.ledgers)
            + len(self.deliveries)
            + len(self.merchants)
            + len(self.removed)
            + sum(map(len, self.scenarios.values()))
        )


@dataclass
class Snapshot:
    """Everything a start needs: orders in creation order, ledgers, the deliveries still
    pending and the newest ``keep`` others (the bounded callback journal), meta values,
    the runtime merchants (added before the orders are restored) and the runtime
    scenarios by scope, in matching order."""

    orders: list[Row]
    ledgers: list[Row]
    deliveries: list[Row]
    meta: dict[str, str]
    merchants: list[Row] = field(default_factory=list)
    scenarios: list[Row] = field(default_factory=list)


class Backend(Protocol):
    location: str

    def open(self) -> None:
        """Take the state for this process alone; ConfigError when it cannot."""

    def load(self, keep: int) -> Snapshot: ...

    def commit(self, batch: Batch) -> None: ...

    def close(self) -> None: ...
