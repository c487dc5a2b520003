"""The callback dispatcher (design rule 7).

Pending callbacks live in one heap keyed by due time, served by one task that starts at
most ``callback_concurrency`` attempts at once over one shared ClientSession, each bounded
by ``callback_timeout``. Nothing here sleeps per order.

Retries follow the gateway's schedule (https://docs.vexora.com/guide/areas/ "Asynchronous
notification"): 2 s, 5 s, 10 s, 30 s, 1 h, 3 h, 3 h, 3 h after each unacknowledged attempt.
``time_scale`` multiplies every callback delay and retry interval; the per-attempt timeout
stays in real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

import aiohttp
import yarl

from vexora_sandbox.callbacks.delivery import Delivery, DeliveryLog
from vexora_sandbox.config import SandboxConfig
from vexora_sandbox.domain.clock import Clock, epoch_ms, gateway_time
from vexora_sandbox.domain.orders import Order, OrderKind, default_message, is_success
from vexora_sandbox.domain.payments import Payments
from vexora_sandbox.domain.store import Store
from vexora_sandbox.protocol import signing
from vexora_sandbox.scenarios.model import CallbackSpec

log = logging.getLogger("vexora_sandbox.callbacks")

RECORDED_BODY_CHARS = 2048
# A URL that is already percent-encoded: printable ASCII, every % followed by two hex digits.
_ENCODED_URL = re.compile(r"(?:[!#-$&-~]|%[0-9A-Fa-f]{2})+")


def target(url: str) -> yarl.URL | str:
    """The notifyUrl to POST to, exactly as the merchant gave it.

    yarl would otherwise re-encode it (``%2F`` -> ``/``, ``%7E`` -> ``~``), and a merchant
    may compare or sign its own callback URL as written. A URL that is not encoded yet
    (spaces, non-ASCII) is left to yarl to encode.
    """
    return yarl.URL(url, encoded=True) if _ENCODED_URL.fullmatch(url) else url


def callback_body(
    order: Order, status: str, message: str, now: float, amount: str | None
) -> dict[str, str]:
    """The callback's fields, every value a string (reference section 5); sign not included."""
    body = {
        "platFormTradeNo": order.platform_trade_no,
        "tradeNo": order.trade_no,
        "amount": amount or order.paid_amount or order.amount,
        "status": status,
        "message": message,
        "timestamp": str(epoch_ms(now)),
    }
    if is_success(status) and order.success_time is not None:
        body["successTime"] = gateway_time(order.success_time)
    if order.remark:
        body["remark"] = order.remark
    if order.kind is OrderKind.PAYIN:
        for key in ("channelCode", "wayCode"):
            if order.extras.get(key):
                body[key] = order.extras[key]
    return body


class Dispatcher:
    def __init__(
        self,
        *,
        config: SandboxConfig,
        clock: Clock,
        store: Store,
        payments: Payments,
        errors: list[BaseException] | None = None,
    ) -> None:
        self.config = config
        # Exceptions from our own code, kept for a test harness to re-raise (keys.ERRORS).
        self.errors = errors if errors is not None else []
        self.clock = clock
        self.store = store
        self.payments = payments
        self.log = DeliveryLog(config.journal_size)
        self._heap: list[tuple[float, int, Delivery]] = []
        self._seq = 0
        self._wakeup = asyncio.Event()
        self._slots = asyncio.Semaphore(config.callback_concurrency)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._sending: set[Delivery] = set()  # attempts on the wire (not in the heap)
        self._waiters: set[asyncio.Future[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self.delivered = 0
        self.failed_attempts = 0

    # --- scheduling ------------------------------------------------------------------

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
                dropped += 1
            else:
                kept.append(item)
        heapq.heapify(kept)
        self._heap = kept
        self._wakeup.set()
        return dropped

    def _pending_deliveries(self) -> Iterable[Delivery]:
        yield from (item[2] for item in self._heap)
        yield from (d for d in self.log if d.pending)

    @property
    def pending_count(self) -> int:
        return len(self._heap)

    @property
    def in_flight_count(self) -> int:
        return len(self._in_flight)

    # --- running ---------------------------------------------------------------------

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.config.callback_concurrency),
            # Redirects are not followed: a 3xx is an answer that is not "OK".
            cookie_jar=aiohttp.DummyCookieJar(),
        )
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
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        while True:
            if not self._heap:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            wait = self._heap[0][0] - self.clock.now()
            if wait > 0:
                self._wakeup.clear()
                timeout = None if self.clock.manual else wait
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), timeout)
                continue
            await self._slots.acquire()
            if not self._heap or self._heap[0][0] > self.clock.now():
                self._slots.release()
                continue
            _, _, delivery = heapq.heappop(self._heap)
            task = asyncio.create_task(self._fire(delivery))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _fire(self, delivery: Delivery) -> None:
        """One attempt (building the body first when it falls due); holds a slot."""
        try:
            await self._attempt(delivery)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # our own bug: record it, keep the dispatcher alive
            log.exception("callback %s failed inside the sandbox", delivery.id)
            self.errors.append(exc)
            delivery.gave_up = True
        finally:
            self._slots.release()
            self._notify()

    async def _fire_when_free(self, delivery: Delivery) -> None:
        await self._slots.acquire()
        await self._fire(delivery)

    async def _drain(self, batch: list[Delivery]) -> None:
        """Attempt ``batch`` in order with at most ``callback_concurrency`` tasks: never one
        task per callback, however many fall due at once."""
        queue = iter(batch)

        async def worker() -> None:
            for delivery in queue:
                await self._fire_when_free(delivery)

        workers = min(len(batch), self.config.callback_concurrency)
        await asyncio.gather(*(worker() for _ in range(workers)))

    async def advance(self, seconds: float) -> int:
        """Manual clock: make everything due within ``seconds`` happen, in order; the count.

        Attempts already under way (a callback due at once, started by the dispatcher's own
        task) are finished first, so when this returns every attempt due by the new time
        has been made and recorded; ``advance(0)`` just waits for those.
        """
        if not self.clock.manual:
            raise RuntimeError("the clock is not manual")
        set_time: Callable[[float], None] = self.clock.set  # type: ignore[attr-defined]
        target = self.clock.now() + seconds
        handled = 0
        while True:
            if self._in_flight:
                await asyncio.gather(*list(self._in_flight), return_exceptions=True)
            if not (self._heap and self._heap[0][0] <= target):
                break
            set_time(max(self._heap[0][0], self.clock.now()))
            batch: list[Delivery] = []
            while self._heap and self._heap[0][0] <= self.clock.now():
                batch.append(heapq.heappop(self._heap)[2])
            await self._drain(batch)
            handled += len(batch)
        set_time(target)
        return handled

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
        if spec.sign == "valid":
            body["sign"] = signing.sign(body, secret)
        elif spec.sign == "invalid":
            body["sign"] = signing.sign(body, secret + "\x00not-the-secret")
        delivery.body = body
        delivery.payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    async def _attempt(self, delivery: Delivery) -> None:
        if delivery.cancelled:
            return
        if delivery.payload is None:
            self._prepare(delivery)
        assert delivery.payload is not None and self._session is not None
        number = len(delivery.attempts) + 1
        record: dict[str, Any] = {"attempt": number, "at": epoch_ms(self.clock.now())}
        started = time.perf_counter()
        status: int | None = None
        text = ""
        error: str | None = None
        limit = self.config.callback_max_response
        self._sending.add(delivery)
        try:
            async with self._session.post(
                target(delivery.url),
                data=delivery.payload,
                headers={"Content-Type": "application/json"},
                timeout=aiohttp.ClientTimeout(total=self.config.callback_timeout),
                allow_redirects=False,
            ) as response:
                status = response.status
                raw, complete = await _read_bounded(response, limit)
                text = raw.decode("utf-8", "replace")
                if not complete:
                    error = f"answer longer than {limit} bytes; the rest was not read"
                    response.close()
        except TimeoutError:
            error = f"no complete answer within {self.config.callback_timeout:g} s"
        except aiohttp.ClientError as exc:
            error = f"{type(exc).__name__}: {exc}".rstrip(": ")
        except ValueError as exc:  # e.g. an URL aiohttp cannot use
            error = f"cannot send to this URL: {exc}"
        finally:
            self._sending.discard(delivery)
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


async def _read_bounded(response: aiohttp.ClientResponse, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the answer, and whether that was all of it."""
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = await response.content.read(remaining)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)
        remaining -= len(chunk)
    complete = response.content.at_eof() or not await response.content.read(1)
    return b"".join(chunks), complete
