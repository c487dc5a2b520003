"""The callback dispatcher (design rule 7).

Pending callbacks live in one heap keyed by due time (``callbacks.schedule``), served by
one task that moves, per wake-up, every callback already due to its destination's queue
and starts what ``callbacks.lanes`` hands out: at most ``callback_concurrency`` attempts at
once, shared fairly between destinations so that hanging merchants cannot take every slot.
``callbacks.attempt`` prepares each attempt and keeps its outcome; the HTTP exchange runs
in the delivery process or on this loop (``callback_delivery``), each bounded by
``callback_timeout``. Nothing here sleeps per order; an attempt on its way is a future.

Cancelling lives here alone: ``cancel_order``, ``cancel_merchant`` and ``cancel_all``,
and ``drain`` to wait for the attempts already on the wire. Every attempt also checks the
generation of its merchant's state (``Store.generation``) before it applies anything, so
an attempt started before a reset never touches the state after it, whatever the bounded
delivery log still holds.

Retries follow the gateway's schedule (https://docs.vexora.com/guide/areas/ "Asynchronous
notification"): 2 s, 5 s, 10 s, 30 s, 1 h, 3 h, 3 h, 3 h after each unacknowledged attempt.
``time_scale`` multiplies every callback delay and retry interval; the per-attempt timeout
stays in real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any

from vexora_sandbox.callbacks import http, process
from vexora_sandbox.callbacks.attempt import Attempts, Started
from vexora_sandbox.callbacks.body import destination_of
from vexora_sandbox.callbacks.delivery import Delivery, DeliveryLog, size_estimate
from vexora_sandbox.callbacks.lanes import Health, Key, Lanes
from vexora_sandbox.callbacks.schedule import Schedule
from vexora_sandbox.callbacks.selfcall import OwnAddresses
from vexora_sandbox.callbacks.waiters import Waiters
from vexora_sandbox.config import SandboxConfig
from vexora_sandbox.domain.clock import Clock
from vexora_sandbox.domain.orders import Order
from vexora_sandbox.domain.payments import Payments
from vexora_sandbox.domain.store import Store
from vexora_sandbox.events import Events
from vexora_sandbox.scenarios.model import CallbackSpec

logger = logging.getLogger("vexora_sandbox.callbacks")


class Dispatcher:
    def __init__(
        self,
        *,
        config: SandboxConfig,
        clock: Clock,
        store: Store,
        payments: Payments,
        errors: list[BaseException] | None = None,
        events: Events | None = None,
    ) -> None:
        self.config = config
        # Exceptions from our own code, kept for a test harness to re-raise (keys.ERRORS).
        self.errors = errors if errors is not None else []
        self.events = events or Events()  # told of each attempt's outcome
        self.clock = clock
        self.store = store
        self.payments = payments
        self.deliveries = DeliveryLog(config.journal_size)
        self._schedule = Schedule()
        self._wakeup = asyncio.Event()
        self._lanes = Lanes(config.callback_concurrency)
        self._running: dict[Delivery, asyncio.Future[http.Answer]] = {}
        self._waiters = Waiters()
        # Where the sandbox itself listens: callbacks are never sent there (callbacks.selfcall).
        self.own = OwnAddresses()
        idle = self._lanes.caps["good"]
        self.mode = process.chosen_mode(config.callback_delivery)
        self._process: process.ProcessClient | None = None
        self._client: http.Client | process.ProcessClient
        if self.mode == "process":
            self._client = self._process = process.ProcessClient(
                max_idle_per_destination=idle, own=self.own
            )
        else:
            self._client = http.Client(max_idle_per_destination=idle, refuse=self.own.refusal)
        self._attempts = Attempts(
            config=config,
            clock=clock,
            store=store,
            payments=payments,
            deliveries=self.deliveries,
            events=self.events,
            waiters=self._waiters,
            client=self._client,
            retry=self._push,
            changed=self._changed,
        )
        self._task: asyncio.Task[None] | None = None
        self._taken = 0  # deliveries taken from the heap to be attempted
        # Told of every new or changed delivery, to keep them elsewhere (--state).
        self.observer: Callable[[Delivery], None] | None = None

    # --- scheduling ------------------------------------------------------------------

    def _new(self, order: Order, due_at: float, **fields: Any) -> Delivery:
        delivery = Delivery(
            id=self.deliveries.new_id(),
            order=order,
            url=fields.pop("url", order.notify_url),
            due_at=due_at,
            generation=self.store.generation(order.merchant_no),
            **fields,
        )
        self.deliveries.add(delivery, size_estimate(order))
        self._push(delivery)
        self._changed(delivery)
        return delivery

    def _changed(self, delivery: Delivery) -> None:
        if self.observer is not None:
            self.observer(delivery)

    def resume(self, deliveries: Iterable[Delivery], next_id: int) -> None:
        """Deliveries kept by --state: into the log, the pending ones back on the heap."""
        self.deliveries.resume(next_id)
        for delivery in deliveries:
            self.deliveries.add(delivery, size_estimate(delivery.order))
            if delivery.pending:
                self._push(delivery)

    def _push(self, delivery: Delivery) -> None:
        if self._process is not None:
            self._process.warm()
        if self._schedule.push(delivery):
            self._wakeup.set()

    def scaled(self, seconds: float) -> float:
        return seconds * self.config.time_scale

    def schedule(
        self,
        order: Order,
        specs: Iterable[CallbackSpec],
        *,
        scenario: str = "",
        start: float | None = None,
    ) -> list[Delivery]:
        """Queue a scenario's callbacks for ``order``, each ``after`` (scaled) ``start``:
        the order's creation unless given."""
        base = order.created_at if start is None else start
        return [
            self._new(order, base + self.scaled(spec.after), spec=spec, scenario=scenario)
            for spec in specs
            for _ in range(spec.repeat)
        ]

    def send_now(
        self, order: Order, spec: CallbackSpec, *, origin: str, applied: bool | None = None
    ) -> Delivery:
        """A callback due at once; ``applied`` set means its status was already applied."""
        return self._new(order, self.clock.now(), spec=spec, origin=origin, applied=applied)

    def replay(self, original: Delivery) -> Delivery:
        """Send a delivered callback again, byte for byte, as a new delivery."""
        if original.payload is None:
            raise ValueError(f"callback {original.id} has not been sent yet")
        return self._new(
            original.order,
            self.clock.now(),
            url=original.url,
            origin="replay",
            body=original.body,
            payload=original.payload,
            applied=False,
            replay_of=original.id,
        )

    # --- cancelling: the only place that ends deliveries early ----------------------

    def cancel_all(self) -> int:
        """Drop every pending callback; the count dropped before their attempt started.

        An attempt already on the wire finishes (``drain`` waits for it) but is not retried.
        """
        return self._cancel(lambda d: True)

    def cancel_merchant(self, merchant_no: str) -> int:
        """``cancel_all`` for one merchant's callbacks."""
        return self._cancel(lambda d: d.order.merchant_no == merchant_no)

    def cancel_order(self, order: Order, *, unsent_scenario_only: bool = False) -> int:
        """Drop ``order``'s pending callbacks; with ``unsent_scenario_only``, only its
        scenario's callbacks never attempted yet (a payer acted before them)."""

        def match(d: Delivery) -> bool:
            if d.order is not order:
                return False
            return not unsent_scenario_only or (d.payload is None and d.origin == "scenario")

        return self._cancel(match)

    def _cancel(self, match: Callable[[Delivery], bool]) -> int:
        for delivery in self._running:
            if match(delivery):
                delivery.cancelled = True

        def waiting(d: Delivery) -> bool:
            if match(d):
                d.cancelled = True
                self._changed(d)
                return True
            return False

        dropped = len(self._schedule.drop(waiting)) + self._lanes.drop(waiting)
        self._wakeup.set()
        return dropped

    async def drain(self, merchant_no: str | None = None, *, timeout: float) -> None:
        """Wait until the attempts on the wire (of one merchant, or all) are over; after
        ``timeout`` seconds, stop those still running."""
        answers = [
            answer
            for delivery, answer in self._running.items()
            if merchant_no is None or delivery.order.merchant_no == merchant_no
        ]
        if not answers:
            return
        _, late = await asyncio.wait(answers, timeout=timeout)
        for answer in late:
            answer.cancel()
        if late:
            await asyncio.wait(late)

    def _pending_deliveries(self) -> Iterable[Delivery]:
        yield from self._schedule
        yield from self._lanes
        yield from (d for d in self.deliveries if d.pending)

    @property
    def pending_count(self) -> int:
        return len(self._schedule) + self._lanes.waiting

    @property
    def in_flight_count(self) -> int:
        return len(self._running)

    # --- running ---------------------------------------------------------------------

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="vexora-callback-dispatcher")

    async def stop(self) -> None:
        """Cancel in-flight attempts cleanly and log what was never delivered."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        running = list(self._running.values())
        for answer in running:
            answer.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        undelivered = list({id(d): d for d in self._pending_deliveries()}.values())
        if undelivered:
            logger.warning(
                "stopping with %d callback(s) never acknowledged: %s",
                len(undelivered),
                ", ".join(f"{d.order.trade_no}:{d.status}" for d in undelivered[:20])
                + (" ..." if len(undelivered) > 20 else ""),
            )
        else:
            logger.info("stopping with no pending callbacks")
        await self._client.close()

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            self._launch()
            timeout: float | None = None  # woken by a new head, a cancel or a free slot
            first = self._schedule.first_due()
            if first is not None and not self._full and not self.clock.manual:
                timeout = max(0.0, first - self.clock.now())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wakeup.wait()

    @property
    def _full(self) -> bool:
        return len(self._running) >= self.config.callback_concurrency

    def _launch(self) -> None:
        """Queue every callback already due by destination, and start what the lanes allow."""
        for delivery in self._schedule.take_due(self.clock.now()):
            self._taken += 1
            if not delivery.cancelled:
                self._lanes.add(delivery, destination_of(delivery.url))
        while not self._full:
            picked = self._lanes.next()
            if picked is None:
                return
            delivery, key, counted = picked
            started = None
            try:
                started = self._attempts.start(delivery)
            except Exception as exc:  # our own bug: record it, keep the dispatcher alive
                self._bug(delivery, exc)
            if started is None:
                self._lanes.finish(key, counted, None)
                continue
            self._running[delivery] = started.answer
            done = functools.partial(self._finished, delivery, key, counted, started)
            started.answer.add_done_callback(done)

    def _finished(
        self,
        delivery: Delivery,
        key: Key,
        counted: Health,
        started: Started,
        answer: asyncio.Future[http.Answer],
    ) -> None:
        """An attempt's answer came (or it was stopped: no record then); frees its slot."""
        answered: bool | None = None
        try:
            if not answer.cancelled():
                answered = self._attempts.record(delivery, started, answer.result())
        except Exception as exc:  # our own bug, here or in the delivery process
            self._bug(delivery, exc)
        finally:
            self._running.pop(delivery, None)
            self._lanes.finish(key, counted, answered)
            self._wakeup.set()

    def _bug(self, delivery: Delivery, exc: Exception) -> None:
        logger.error("callback %s failed inside the sandbox", delivery.id, exc_info=exc)
        self.errors.append(exc)
        delivery.gave_up = True
        self._changed(delivery)

    async def _finish_due(self) -> None:
        """Start everything due now and wait until all of it, and all under way, is done."""
        while True:
            self._launch()
            if not self._running:
                return
            await asyncio.wait(list(self._running.values()), return_when=asyncio.FIRST_COMPLETED)

    async def advance(self, seconds: float) -> int:
        """Manual clock: make everything due within ``seconds`` happen, in order; the count.

        Attempts already under way (a callback due at once, started by the dispatcher's own
        task) are finished first, so when this returns every attempt due by the new time
        has been made and recorded; ``advance(0)`` just waits for those.
        """
        if not self.clock.manual:
            raise RuntimeError("the clock is not manual")
        set_time: Callable[[float], None] = self.clock.set  # type: ignore[attr-defined]
        until = self.clock.now() + seconds
        taken = self._taken
        while True:
            await self._finish_due()
            first = self._schedule.first_due()
            if first is None or first > until:
                break
            set_time(max(first, self.clock.now()))
        set_time(until)
        return self._taken - taken

    # --- waiting ---------------------------------------------------------------------

    async def wait_for(
        self,
        find: Callable[[], list[Delivery]],
        match: Callable[[Delivery], bool],
        timeout: float,
        *,
        trade_no: str | None = None,
    ) -> list[Delivery]:
        """``find()`` at once if it is non-empty; else, as soon as an attempt of a delivery
        ``match`` accepts is recorded (one filtered by ``trade_no`` if given), ``find()``
        again; [] after ``timeout`` seconds."""
        found = find()
        if found or timeout <= 0:
            return found
        hit = await self._waiters.wait(match, timeout, trade_no=trade_no)
        if hit is None:
            return []
        return find() or [hit]
