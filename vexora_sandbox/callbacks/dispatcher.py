"""The callback dispatcher (design rule 7).

Pending callbacks live in one heap keyed by due time, served by one task that moves, per
wake-up, every callback already due to its origin's queue and starts what
``callbacks.lanes`` hands out: at most ``callback_concurrency`` attempts at once, shared
fairly between origins so that hanging merchants cannot take every slot. Attempts go over
``callbacks.http.Client`` (keep-alive, bounded reads), each bounded by
``callback_timeout``. Nothing here sleeps per order.

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
import heapq
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from vexora_sandbox.callbacks import http
from vexora_sandbox.callbacks.body import callback_body, origin_of, signed_payload, target
from vexora_sandbox.callbacks.delivery import (
    Delivery,
    DeliveryLog,
    attempt_record,
    record_size,
    size_estimate,
)
from vexora_sandbox.callbacks.lanes import Health, Key, Lanes
from vexora_sandbox.callbacks.selfcall import OwnAddresses
from vexora_sandbox.callbacks.waiters import Waiters
from vexora_sandbox.config import SandboxConfig
from vexora_sandbox.domain.clock import Clock, epoch_ms
from vexora_sandbox.domain.orders import Order, default_message
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
        self._heap: list[tuple[float, int, Delivery]] = []
        self._seq = 0
        self._wakeup = asyncio.Event()
        self._lanes = Lanes(config.callback_concurrency)
        self._running: dict[Delivery, asyncio.Task[None]] = {}
        self._waiters = Waiters()
        # Where the sandbox itself listens: callbacks are never sent there (callbacks.selfcall).
        self.own = OwnAddresses()
        self._client = http.Client(
            max_idle_per_origin=self._lanes.caps["good"], refuse=self.own.refusal
        )
        self._task: asyncio.Task[None] | None = None
        self._taken = 0  # deliveries taken from the heap to be attempted
        self.delivered = 0
        self.failed_attempts = 0
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
        self._seq += 1
        heapq.heappush(self._heap, (delivery.due_at, self._seq, delivery))
        if self._heap[0][2] is delivery:
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
        kept: list[tuple[float, int, Delivery]] = []
        dropped = 0
        for item in self._heap:
            if match(item[2]):
                item[2].cancelled = True
                self._changed(item[2])
                dropped += 1
            else:
                kept.append(item)
        if dropped:
            heapq.heapify(kept)
            self._heap = kept

        def waiting(d: Delivery) -> bool:
            if match(d):
                d.cancelled = True
                self._changed(d)
                return True
            return False

        dropped += self._lanes.drop(waiting)
        self._wakeup.set()
        return dropped

    async def drain(self, merchant_no: str | None = None, *, timeout: float) -> None:
        """Wait until the attempts on the wire (of one merchant, or all) are over; after
        ``timeout`` seconds, stop those still running."""
        tasks = [
            task
            for delivery, task in self._running.items()
            if merchant_no is None or delivery.order.merchant_no == merchant_no
        ]
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)

    def _pending_deliveries(self) -> Iterable[Delivery]:
        yield from (item[2] for item in self._heap)
        yield from self._lanes
        yield from (d for d in self.deliveries if d.pending)

    @property
    def pending_count(self) -> int:
        return len(self._heap) + self._lanes.waiting

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
        for task in running:
            task.cancel()
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
            if self._heap and not self._full and not self.clock.manual:
                timeout = max(0.0, self._heap[0][0] - self.clock.now())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wakeup.wait()

    @property
    def _full(self) -> bool:
        return len(self._running) >= self.config.callback_concurrency

    def _launch(self) -> None:
        """Queue every callback already due by origin, and start what the lanes allow."""
        now = self.clock.now()
        while self._heap and self._heap[0][0] <= now:
            delivery = heapq.heappop(self._heap)[2]
            self._taken += 1
            if not delivery.cancelled:
                self._lanes.add(delivery, origin_of(delivery.url))
        while not self._full:
            picked = self._lanes.next()
            if picked is None:
                return
            delivery, key, counted = picked
            self._running[delivery] = asyncio.create_task(self._fire(delivery, key, counted))

    async def _fire(self, delivery: Delivery, key: Key, counted: Health) -> None:
        """One attempt (building the body first when it falls due); holds a slot."""
        answered: bool | None = None
        try:
            answered = await self._attempt(delivery)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # our own bug: record it, keep the dispatcher alive
            logger.exception("callback %s failed inside the sandbox", delivery.id)
            self.errors.append(exc)
            delivery.gave_up = True
            self._changed(delivery)
        finally:
            self._running.pop(delivery, None)
            self._lanes.finish(key, counted, answered)
            self._wakeup.set()

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
            if not (self._heap and self._heap[0][0] <= until):
                break
            set_time(max(self._heap[0][0], self.clock.now()))
        set_time(until)
        return self._taken - taken

    # --- one attempt -----------------------------------------------------------------

    def _prepare(self, delivery: Delivery) -> None:
        """Apply the status to the order and build the body, the first time it falls due."""
        spec = delivery.spec
        assert spec is not None
        order = delivery.order
        message = spec.message or default_message(spec.status)
        if delivery.applied is None:
            change = self.payments.change_status(
                order, spec.status, message, paid_amount=spec.amount
            )
            delivery.applied = change is not None
        body = callback_body(order, spec.status, message, self.clock.now(), spec.amount)
        secret = self.store.merchant(order.merchant_no).secret
        delivery.body, delivery.payload = signed_payload(body, secret, spec.sign)
        # Kept before it is sent: a retry after a restart repeats these bytes.
        self._changed(delivery)

    def _current(self, delivery: Delivery) -> bool:
        """Whether the merchant's state is still the one ``delivery`` was made for."""
        return delivery.generation == self.store.generation(delivery.order.merchant_no)

    async def _attempt(self, delivery: Delivery) -> bool | None:
        """One attempt: whether an HTTP answer came back; None when none was made."""
        if delivery.cancelled or not self._current(delivery):
            delivery.cancelled = True  # a reset came between its start and its run
            return None
        if delivery.payload is None:
            self._prepare(delivery)
        assert delivery.payload is not None
        number = len(delivery.attempts) + 1
        at = epoch_ms(self.clock.now())
        started = time.perf_counter()
        # Redirects are not followed: a 3xx is an answer that is not "OK".
        answer = await self._client.post(
            target(delivery.url),
            delivery.payload,
            timeout=self.config.callback_timeout,
            max_response=self.config.callback_max_response,
        )
        record = attempt_record(
            number, at, time.perf_counter() - started, answer, self.config.callback_ack
        )
        if record["acknowledged"]:
            delivery.acknowledged = True
            delivery.next_attempt_at = None
            self.delivered += 1
        else:
            self._unacknowledged(delivery, number, refused=answer.refused)
        record["nextAttemptAt"] = (
            None if delivery.next_attempt_at is None else epoch_ms(delivery.next_attempt_at)
        )
        delivery.attempts.append(record)
        self.deliveries.grew(delivery, record_size(record))
        self.events.attempt(delivery, record)
        self._changed(delivery)
        self._waiters.notify(delivery)
        return answer.status is not None

    def _unacknowledged(self, delivery: Delivery, number: int, *, refused: bool) -> None:
        self.failed_attempts += 1
        retries = self.config.callback_retries
        delivery.next_attempt_at = None
        if delivery.cancelled or not self._current(delivery):
            delivery.cancelled = True  # a cancel or reset while this attempt was on the wire
        elif refused:  # the sandbox itself: the same answer every time, so no retry
            delivery.gave_up = True
        elif number <= len(retries):
            delivery.next_attempt_at = self.clock.now() + self.scaled(retries[number - 1])
            delivery.due_at = delivery.next_attempt_at
            self._push(delivery)
        else:
            delivery.gave_up = True
            logger.warning(
                "callback %s for %s gave up after %d attempts",
                delivery.id,
                delivery.order.trade_no,
                number,
            )

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
