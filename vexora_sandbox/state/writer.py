"""Group commit: what changed since the last commit goes to the backend in one transaction.

The domain (``Store``) and the dispatcher tell the writer what changed; it keeps the
objects, not copies. A flush is scheduled for the next turn of the event loop, and while a
commit is on the writer's thread everything that changes meanwhile waits for the next one:
under load a batch holds what arrived during the previous commit (a few milliseconds),
idle it holds one call's changes. Rows are encoded on the event loop between two awaits,
so a batch is a consistent picture of the state; only the backend's work (SQL, the WAL
write) runs on the thread, and the event loop never waits for the disk.

``saved()`` is what the gateway's pipeline awaits before it answers: the commit holding
everything changed so far, or None when nothing is waiting (and always in memory).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import logging
from collections.abc import Awaitable, Callable, Collection
from decimal import Decimal
from typing import TypeVar

from vexora_sandbox import gcpolicy
from vexora_sandbox.callbacks.delivery import Delivery
from vexora_sandbox.callbacks.dispatcher import Dispatcher
from vexora_sandbox.domain.clock import Clock, IdFactory
from vexora_sandbox.domain.ledger import Ledger
from vexora_sandbox.domain.orders import Order
from vexora_sandbox.domain.payments import Payments
from vexora_sandbox.domain.store import Merchant, Store
from vexora_sandbox.errors import GatewayError, NotFound
from vexora_sandbox.protocol.names import Code
from vexora_sandbox.scenarios.model import Scenario
from vexora_sandbox.scenarios.registry import ScenarioRegistry
from vexora_sandbox.state.backend import Backend, Batch
from vexora_sandbox.state.codecs import DeliveryEncoder, Row, ledger_row, merchant_row
from vexora_sandbox.state.order_rows import order_row
from vexora_sandbox.state.restore import Restored, restore

log = logging.getLogger("vexora_sandbox.state")
T = TypeVar("T")


def holds(store: Store, order: Order) -> bool:
    """Whether ``order`` is still the stored one: false once a reset forgot it."""
    try:
        return store.state(order.merchant_no).orders.get(order.trade_no) is order
    except NotFound:
        return False


class StateWriter:
    """The domain's observer and the loop's side of the group commit."""

    def __init__(
        self,
        backend: Backend,
        *,
        payments: Payments,
        dispatcher: Dispatcher,
        clock: Clock,
        ids: IdFactory,
        keep: int,
        scenarios: ScenarioRegistry | None = None,
        areas: Collection[str] | None = None,
    ) -> None:
        self.backend = backend
        self.registry = scenarios
        self.payments = payments
        self.store = payments.store
        self.dispatcher = dispatcher
        self.clock = clock
        self.ids = ids
        self.keep = keep  # finished deliveries kept (the callback journal's bound)
        self.areas = areas  # the areas served, that runtime merchants must be of
        # Each ledger's opening balance (what the start-up check sums from); a ledger not
        # in the file opens with its merchant's configured balance.
        self.openings: dict[tuple[str, str], Decimal] = {}
        self._orders: dict[tuple[str, str], Order] = {}
        self._ledgers: set[tuple[str, str]] = set()
        self._deliveries: dict[int, Delivery] = {}
        self._forget: list[str | None] = []
        # Runtime merchants created (the merchant) or deleted (None) since the last commit.
        self._merchants: dict[str, Merchant | None] = {}
        # Runtime scenarios: the scopes changed since the last commit, with their rows, and
        # what each scope's scenarios were posted in: (text, place in it), to keep them.
        self._scenarios: dict[str, list[Row]] = {}
        self._posted: dict[str, dict[Scenario, tuple[str, int]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = concurrent.futures.ThreadPoolExecutor(1, "vexora-state")
        self._scheduled = False
        self._next: asyncio.Future[None] | None = None  # the batch being collected
        self._in_flight: asyncio.Future[None] | None = None  # the batch being committed
        self.restored = Restored()
        self._encoder = DeliveryEncoder()
        self._meta: dict[str, str] = {}  # as last handed to the backend
        self._meta_changed = False  # note_meta() found a change nothing else carries
        self.commits = 0
        self.rows = 0

    async def start(self) -> Restored:
        """Open the backend, put its state into the domain, then watch the domain."""
        # Reading 100,000 rows makes as many tuples: full collections over them, again and
        # again, were half of such a start. None of them is garbage.
        collecting = gc.isenabled()
        gc.disable()
        try:
            await self.call(self.backend.open)
            snapshot = await self.call(lambda: self.backend.load(self.keep))
            restored = restore(
                snapshot,
                source=f"state file {self.backend.location}",
                payments=self.payments,
                dispatcher=self.dispatcher,
                clock=self.clock,
                ids=self.ids,
                scenarios=self.registry,
                areas=self.areas,
            )
            if restored.orders >= gcpolicy.START_AT:
                # What was read is the long-lived store the GC policy freezes once a
                # sandbox holds that many orders (vexora_sandbox.gcpolicy, which takes it
                # over at its first look): frozen now, or the first collection after the
                # start walks every object the start made (a third of its time).
                gc.freeze()
        except BaseException:
            await self.call(self.backend.close)
            self._thread.shutdown(wait=True)
            raise
        finally:
            if collecting:
                gc.enable()
        self.restored = restored
        self.openings = restored.openings
        self._posted = restored.posted
        self._loop = asyncio.get_running_loop()
        self.store.observer = self
        self.dispatcher.observer = self.delivery_changed
        log.info(
            "state %s: %d orders, %d pending callbacks (%d overdue, sent now), "
            "%d runtime scenarios",
            self.backend.location,
            restored.orders,
            restored.pending,
            restored.late,
            restored.scenarios,
        )
        return restored

    def meta(self) -> dict[str, str]:
        values = {
            "ids": str(self.ids.issued()),
            "next_delivery_id": str(self.dispatcher.deliveries.next_id),
        }
        if self.clock.manual:
            values["clock"] = repr(self.clock.now())
        return values

    # --- on the writer's thread --------------------------------------------------------

    async def call(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the writer's thread (where the backend lives)."""
        return await asyncio.wrap_future(self._thread.submit(work))

    # --- the observer ------------------------------------------------------------------

    def order_changed(self, order: Order) -> None:
        self._orders[order.merchant_no, order.trade_no] = order
        self._ledgers.add((order.merchant_no, order.currency))
        self._schedule()

    def ledger_changed(self, merchant_no: str, currency: str) -> None:
        self._ledgers.add((merchant_no, currency))
        self._schedule()

    def forget(self, merchant_no: str | None) -> None:
        """A reset: drop what is waiting for the merchant; its rows go in the next batch."""
        forgotten = (lambda m: True) if merchant_no is None else (lambda m: m == merchant_no)
        self._orders = {k: o for k, o in self._orders.items() if not forgotten(k[0])}
        self._ledgers = {k for k in self._ledgers if not forgotten(k[0])}
        self._deliveries = {
            k: d for k, d in self._deliveries.items() if not forgotten(d.order.merchant_no)
        }
        self.openings = {k: v for k, v in self.openings.items() if not forgotten(k[0])}
        # A full reset drops the global scenarios too (admin.control.reset_state).
        self._scenarios = {k: r for k, r in self._scenarios.items() if not forgotten(k)}
        self._posted = {k: p for k, p in self._posted.items() if not forgotten(k)}
        self._forget.append(merchant_no)
        self._encoder.clear()
        self._schedule()

    def merchant_added(self, merchant: Merchant) -> None:
        if merchant.runtime:  # the configured ones come from the configuration at each start
            self._merchants[merchant.merchant_no] = merchant
            self._schedule()

    def merchant_removed(self, merchant_no: str) -> None:
        self._merchants[merchant_no] = None
        self.openings = {k: v for k, v in self.openings.items() if k[0] != merchant_no}
        self._scenarios.pop(merchant_no, None)
        self._posted.pop(merchant_no, None)
        self._schedule()

    def scenarios_changed(
        self,
        merchant_no: str | None,
        scenarios: tuple[Scenario, ...],
        posted: tuple[str, list[Scenario]] | None = None,
    ) -> None:
        """A scope's runtime scenarios are now ``scenarios`` (matching order); ``posted``:
        the text just posted and the scenarios read from it, in its order."""
        scope = merchant_no or ""
        texts = self._posted.get(scope, {})
        if posted is not None:
            text, read = posted
            texts = {**texts, **{s: (text, n) for n, s in enumerate(read)}}
        kept = {s: texts[s] for s in scenarios if s in texts}
        self._posted[scope] = kept
        self._scenarios[scope] = [
            (scope, n, s.name, *kept[s]) for n, s in enumerate(scenarios) if s in kept
        ]
        self._schedule()

    def delivery_changed(self, delivery: Delivery) -> None:
        self._deliveries[delivery.id] = delivery
        self._schedule()

    def note_meta(self) -> None:
        """Commit the counters and a manual clock's time if they changed since the last
        commit (an advance of the clock with nothing due changes nothing else)."""
        if self._loop is not None and self.meta() != self._meta:
            self._meta_changed = True
            self._schedule()

    # --- the group commit ----------------------------------------------------------------

    @property
    def _dirty(self) -> bool:
        return bool(
            self._orders
            or self._ledgers
            or self._deliveries
            or self._forget
            or self._merchants
            or self._scenarios
            or self._meta_changed
        )

    def _schedule(self) -> None:
        if not self._scheduled and self._in_flight is None and self._loop is not None:
            self._scheduled = True
            self._loop.call_soon(self._flush)

    def saved(self) -> Awaitable[None] | None:
        """The commit that will hold every change made so far; None if there is none."""
        if self._dirty:
            if self._next is None:
                assert self._loop is not None
                self._next = self._loop.create_future()
            # Shielded: a caller that goes away must not cancel the batch for the others.
            return asyncio.shield(self._next)
        if self._in_flight is not None:
            return asyncio.shield(self._in_flight)
        return None

    def encode(self) -> Batch:
        """Everything changed so far as rows, and forget it (on the event loop)."""
        store = self.store
        meta = self.meta()
        batch = Batch(
            forget=self._forget,
            meta={k: v for k, v in meta.items() if self._meta.get(k) != v},
            merchants=[merchant_row(m) for m in self._merchants.values() if m is not None],
            removed=[number for number, m in self._merchants.items() if m is None],
            scenarios=self._scenarios,
        )
        self._meta = meta
        batch.orders = [order_row(o) for o in self._orders.values() if holds(store, o)]
        for merchant_no, currency in self._ledgers:
            try:
                merchant = store.merchant(merchant_no)
            except NotFound:
                continue  # removed since
            key = (merchant_no, currency)
            opening = self.openings.setdefault(key, merchant.balance)
            ledger = _ledger(store, merchant_no, currency)
            batch.ledgers.append(ledger_row(merchant_no, currency, opening, ledger))
        encode = self._encoder.row
        batch.deliveries = [encode(d) for d in self._deliveries.values() if holds(store, d.order)]
        self._orders, self._ledgers, self._deliveries, self._forget = {}, set(), {}, []
        self._merchants, self._scenarios = {}, {}
        self._meta_changed = False
        return batch

    def _flush(self) -> None:
        self._scheduled = False
        if self._in_flight is not None or not self._dirty:
            return
        assert self._loop is not None
        kept = (dict(self._orders), set(self._ledgers), dict(self._deliveries))
        merchants = dict(self._merchants)
        batch = self.encode()
        done = self._next or self._loop.create_future()
        # Nobody may await a batch (a callback's attempt): its failure is logged here.
        done.add_done_callback(_consume)
        self._next = None
        self._in_flight = done
        future = self._thread.submit(self.backend.commit, batch)
        loop = self._loop

        def committed(result: concurrent.futures.Future[None]) -> None:
            loop.call_soon_threadsafe(self._committed, done, result, batch, kept, merchants)

        future.add_done_callback(committed)

    def _committed(
        self,
        done: asyncio.Future[None],
        result: concurrent.futures.Future[None],
        batch: Batch,
        kept: tuple[dict[tuple[str, str], Order], set[tuple[str, str]], dict[int, Delivery]],
        merchants: dict[str, Merchant | None],
    ) -> None:
        self._in_flight = None
        error = result.exception()
        if error is None:
            self.commits += 1
            self.rows += len(batch)
            done.set_result(None)
        else:
            log.error("could not save the state to %s: %s", self.backend.location, error)
            # Tried again with the next batch: the objects still hold their newest state.
            orders, ledgers, deliveries = kept
            self._orders = {**orders, **self._orders}
            self._ledgers |= ledgers
            self._deliveries = {**deliveries, **self._deliveries}
            self._forget = batch.forget + self._forget
            self._merchants = {**merchants, **self._merchants}
            self._scenarios = {**batch.scenarios, **self._scenarios}
            self._meta = {}  # sent again in full
            self._meta_changed = bool(batch.meta)
            done.set_exception(
                GatewayError(
                    f"system exception in the sandbox: could not save its state: {error}",
                    code=Code.SYSTEM_EXCEPTION,
                )
            )
        if self._dirty:
            self._schedule()

    async def drain(self) -> None:
        """Commit everything changed so far (at a stop)."""
        while True:
            saved = self.saved()
            if saved is None:
                return
            self._schedule()
            try:
                await saved
            except GatewayError:
                return  # logged; a stop does not loop on a disk that refuses

    async def close(self) -> None:
        self.store.observer = None
        self.dispatcher.observer = None
        await self.drain()
        try:
            await self.call(self.backend.close)
        finally:
            self._thread.shutdown(wait=True)


def _consume(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()


def _ledger(store: Store, merchant_no: str, currency: str) -> Ledger:
    return store.ledger(merchant_no, currency)
