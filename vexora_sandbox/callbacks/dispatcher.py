"""The callback dispatcher (design rule 7).

Pending callbacks live in one heap keyed by due time, served by one task that starts,
per wake-up, every attempt already due: at most ``callback_concurrency`` at once, and at
most half of those for one origin (scheme, host, port) so that a hanging merchant cannot
take every slot. A callback waiting for its origin waits in that origin's queue, holding
no slot. Attempts go over ``callbacks.http.Client`` (keep-alive, bounded reads), each
bounded by ``callback_timeout``. Nothing here sleeps per order.

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
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from vexora_sandbox.callbacks import http
from vexora_sandbox.callbacks.body import callback_body, origin_of, signed_payload, target
from vexora_sandbox.callbacks.delivery import Delivery, DeliveryLog
from vexora_sandbox.config import SandboxConfig
from vexora_sandbox.domain.clock import Clock, epoch_ms
from vexora_sandbox.domain.orders import Order, default_message
from vexora_sandbox.domain.payments import Payments
from vexora_sandbox.domain.store import Store
from vexora_sandbox.events import Events
from vexora_sandbox.scenarios.model import CallbackSpec

log = logging.getLogger("vexora_sandbox.callbacks")

RECORDED_BODY_CHARS = 2048


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
        self.log = DeliveryLog(config.journal_size)
        self._heap: list[tuple[float, int, Delivery]] = []
        self._seq = 0
        self._wakeup = asyncio.Event()
        # Due deliveries not started yet: per origin (over its cap), and ready to start.
        self._origin_cap = max(1, config.callback_concurrency // 2)
        self._busy: dict[http.Origin | None, int] = {}
        self._parked: dict[http.Origin | None, deque[Delivery]] = {}
        self._ready: deque[Delivery] = deque()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._sending: set[Delivery] = set()  # attempts on the wire (not in the heap)
        self._waiters: set[asyncio.Future[None]] = set()
        self._client = http.Client(limit_per_origin=self._origin_cap)
        self._task: asyncio.Task[None] | None = None
        self._taken = 0  # deliveries taken from the heap to be attempted
        self.delivered = 0
        self.failed_attempts = 0
        # Told of every new or changed delivery, to keep them elsewhere (--state).
        self.observer: Callable[[Delivery], None] | None = None

    # --- scheduling ------------------------------------------------------------------

    def _changed(self, delivery: Delivery) -> None:
        if self.observer is not None:
            self.observer(delivery)

    def resume(self, deliveries: Iterable[Delivery], next_id: int) -> None:
        """Deliveries kept by --state: into the log, the pending ones back on the heap."""
        self.log.resume(next_id)
        for delivery in deliveries:
            self.log.add(delivery)
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
        self, order: Order, specs: Iterable[CallbackSpec], *, scenario: str = ""
    ) -> list[Delivery]:
        """Queue a scenario's callbacks for ``order``, each ``after`` its creation."""
        created: list[Delivery] = []
        for spec in specs:
            for _ in range(spec.repeat):
                delivery = Delivery(
                    id=self.log.new_id(),
                    order=order,
                    url=order.notify_url,
                    due_at=order.created_at + self.scaled(spec.after),
                    spec=spec,
                    scenario=scenario,
                )
                created.append(delivery)
        for delivery in created:
            self.log.add(delivery)
            self._push(delivery)
            self._changed(delivery)
        return created

    def send_now(
        self, order: Order, spec: CallbackSpec, *, origin: str, applied: bool | None = None
    ) -> Delivery:
        """A callback due at once; ``applied`` set means its status was already applied."""
        delivery = Delivery(
            id=self.log.new_id(),
            order=order,
            url=order.notify_url,
            due_at=self.clock.now(),
            spec=spec,
            origin=origin,
            applied=applied,
        )
        self.log.add(delivery)
        self._push(delivery)
        self._changed(delivery)
        return delivery

    def replay(self, original: Delivery) -> Delivery:
        """Send a delivered callback again, byte for byte, as a new delivery."""
        if original.payload is None:
            raise ValueError(f"callback {original.id} has not been sent yet")
        delivery = Delivery(
            id=self.log.new_id(),
            order=original.order,
            url=original.url,
            due_at=self.clock.now(),
            origin="replay",
            body=original.body,
            payload=original.payload,
            applied=False,
            replay_of=original.id,
        )
        self.log.add(delivery)
        self._push(delivery)
        self._changed(delivery)
        return delivery

    def cancel(self, merchant_no: str | None = None) -> int:
        """Drop pending callbacks (of one merchant, or all); the count dropped from the heap.

        An attempt already on the wire finishes, but is not retried.
        """
        for delivery in self._sending:
            if merchant_no is None or delivery.order.merchant_no == merchant_no:
                delivery.cancelled = True
        kept: list[tuple[float, int, Delivery]] = []
        dropped = 0
        for item in self._heap:
            delivery = item[2]
            if merchant_no is None or delivery.order.merchant_no == merchant_no:
                delivery.cancelled = True
                self._changed(delivery)
                dropped += 1
            else:
                kept.append(item)
        heapq.heapify(kept)
        self._heap = kept
        for waiting in (self._ready, *self._parked.values()):
            for delivery in waiting:
                if merchant_no is None or delivery.order.merchant_no == merchant_no:
                    delivery.cancelled = True
                    dropped += 1
        self._ready = deque(d for d in self._ready if not d.cancelled)
        for origin, parked in list(self._parked.items()):
            self._parked[origin] = deque(d for d in parked if not d.cancelled)
        self._wakeup.set()
        return dropped

    def _waiting(self) -> Iterable[Delivery]:
        """Due, not started: ready, or queued behind their origin's cap."""
        yield from self._ready
        for parked in self._parked.values():
            yield from parked

    def _pending_deliveries(self) -> Iterable[Delivery]:
        yield from (item[2] for item in self._heap)
        yield from self._waiting()
        yield from (d for d in self.log if d.pending)

    @property
    def pending_count(self) -> int:
        return len(self._heap) + len(self._ready) + sum(map(len, self._parked.values()))

    @property
    def in_flight_count(self) -> int:
        return len(self._in_flight)

    # --- running ---------------------------------------------------------------------

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="vexora-callback-dispatcher")

    async def stop(self) -> None:
        """Cancel in-flight attempts cleanly and log what was never delivered."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for task in list(self._in_flight):
            task.cancel()
        await asyncio.gather(*self._in_flight, return_exceptions=True)
        undelivered = list({id(d): d for d in self._pending_deliveries()}.values())
        if undelivered:
            log.warning(
                "stopping with %d callback(s) never acknowledged: %s",
                len(undelivered),
                ", ".join(f"{d.order.trade_no}:{d.status}" for d in undelivered[:20])
                + (" ..." if len(undelivered) > 20 else ""),
            )
        else:
            log.info("stopping with no pending callbacks")
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
        return len(self._in_flight) >= self.config.callback_concurrency

    def _launch(self) -> None:
        """Start every attempt already due, within the global and per-origin caps."""
        now = self.clock.now()
        while not self._full:
            if self._ready:
                delivery = self._ready.popleft()
            elif self._heap and self._heap[0][0] <= now:
                delivery = heapq.heappop(self._heap)[2]
                self._taken += 1
            else:
                return
            if delivery.cancelled:
                continue
            origin = origin_of(delivery.url)
            busy = self._busy.get(origin, 0)
            if busy >= self._origin_cap and origin is not None:
                self._parked.setdefault(origin, deque()).append(delivery)
                continue
            self._busy[origin] = busy + 1
            task = asyncio.create_task(self._fire(delivery, origin))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _fire(self, delivery: Delivery, origin: http.Origin | None) -> None:
        """One attempt (building the body first when it falls due); holds a slot."""
        try:
            await self._attempt(delivery)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # our own bug: record it, keep the dispatcher alive
            log.exception("callback %s failed inside the sandbox", delivery.id)
            self.errors.append(exc)
            delivery.gave_up = True
            self._changed(delivery)
        finally:
            self._busy[origin] -= 1
            if not self._busy[origin]:
                del self._busy[origin]
            parked = self._parked.get(origin)
            if parked:
                self._ready.append(parked.popleft())
                if not parked:
                    del self._parked[origin]
            self._wakeup.set()
            self._notify()

    async def _settle(self) -> None:
        """Start everything due now and wait until all of it, and all under way, is done."""
        while True:
            self._launch()
            if not self._in_flight:
                return
            await asyncio.wait(list(self._in_flight), return_when=asyncio.FIRST_COMPLETED)

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
            await self._settle()
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

    async def _attempt(self, delivery: Delivery) -> None:
        if delivery.cancelled:
            return
        if delivery.payload is None:
            self._prepare(delivery)
        assert delivery.payload is not None
        number = len(delivery.attempts) + 1
        record: dict[str, Any] = {"attempt": number, "at": epoch_ms(self.clock.now())}
        started = time.perf_counter()
        self._sending.add(delivery)
        try:
            # Redirects are not followed: a 3xx is an answer that is not "OK".
            answer = await self._client.post(
                target(delivery.url),
                delivery.payload,
                timeout=self.config.callback_timeout,
                max_response=self.config.callback_max_response,
            )
        finally:
            self._sending.discard(delivery)
        status, error = answer.status, answer.error
        text = answer.body.decode("utf-8", "replace")
        record["latencyMs"] = round((time.perf_counter() - started) * 1000, 1)
        record["responseStatus"] = status
        record["responseBody"] = text[:RECORDED_BODY_CHARS]
        record["responseTruncated"] = len(text) > RECORDED_BODY_CHARS or (
            error is not None and status is not None
        )
        acknowledged = status == 200 and error is None and text in self.config.callback_ack
        record["acknowledged"] = acknowledged
        record["error"] = error
        if acknowledged:
            delivery.acknowledged = True
            delivery.next_attempt_at = None
            self.delivered += 1
        else:
            self.failed_attempts += 1
            retries = self.config.callback_retries
            if delivery.cancelled:  # cancelled (a reset) while this attempt was on the wire
                delivery.next_attempt_at = None
            elif number <= len(retries):
                delivery.next_attempt_at = self.clock.now() + self.scaled(retries[number - 1])
                delivery.due_at = delivery.next_attempt_at
                self._push(delivery)
            else:
                delivery.gave_up = True
                delivery.next_attempt_at = None
                log.warning(
                    "callback %s for %s gave up after %d attempts",
                    delivery.id,
                    delivery.order.trade_no,
                    number,
                )
        record["nextAttemptAt"] = (
            None if delivery.next_attempt_at is None else epoch_ms(delivery.next_attempt_at)
        )
        delivery.attempts.append(record)
        self.events.attempt(delivery, record)
        self._changed(delivery)

    # --- waiting ---------------------------------------------------------------------

    def _notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(self, find: Callable[[], list[Delivery]], timeout: float) -> list[Delivery]:
        """Return ``find()`` as soon as it is non-empty, or [] after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = find()
            if found:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter, remaining)
            finally:
                self._waiters.discard(waiter)
