"""One callback attempt: what is done before it is sent, and what is kept of its outcome.

``Attempts.start`` applies the callback's status to the order and builds and signs the body
(the first time the callback falls due: a retry sends the same bytes), then hands the bytes
to the HTTP client, which answers with a future: ``http.Client`` on the serving loop, or
``process.ProcessClient`` in the delivery process. ``Attempts.record`` turns the answer
into the attempt's record in the journal and decides what comes next: acknowledged, a
retry on the gateway's schedule (https://docs.vexora.com/guide/areas/ "Asynchronous
notification"), or giving up. Both run on the serving loop, so the order's status changes
in the order callbacks fall due, whatever the delivery mode.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from vexora_sandbox.callbacks import http, process
from vexora_sandbox.callbacks.body import callback_body, signed_payload, target
from vexora_sandbox.callbacks.delivery import Delivery, DeliveryLog, attempt_record, record_size
from vexora_sandbox.callbacks.waiters import Waiters
from vexora_sandbox.config import SandboxConfig
from vexora_sandbox.domain.clock import Clock, epoch_ms
from vexora_sandbox.domain.orders import default_message
from vexora_sandbox.domain.payments import Payments
from vexora_sandbox.domain.store import Store
from vexora_sandbox.events import Events

logger = logging.getLogger("vexora_sandbox.callbacks")


@dataclass(slots=True)
class Started:
    """An attempt on its way: its number, when it started (epoch ms), its answer to come."""

    number: int
    at: int
    answer: asyncio.Future[http.Answer]


class Attempts:
    def __init__(
        self,
        *,
        config: SandboxConfig,
        clock: Clock,
        store: Store,
        payments: Payments,
        deliveries: DeliveryLog,
        events: Events,
        waiters: Waiters,
        client: http.Client | process.ProcessClient,
        retry: Callable[[Delivery], None],
        changed: Callable[[Delivery], None],
    ) -> None:
        self.config = config
        self.clock = clock
        self.store = store
        self.payments = payments
        self.deliveries = deliveries
        self.events = events
        self.client = client
        self._retry = retry  # puts a delivery back on the schedule at its new due time
        self._changed = changed  # tells the --state writer
        self.waiters = waiters
        self.delivered = 0
        self.failed = 0

    def current(self, delivery: Delivery) -> bool:
        """Whether the merchant's state is still the one ``delivery`` was made for."""
        return delivery.generation == self.store.generation(delivery.order.merchant_no)

    def start(self, delivery: Delivery) -> Started | None:
        """Send ``delivery`` (built first if it never was); None when it is not to be sent
        any more (cancelled, or its merchant was reset since it was scheduled)."""
        if delivery.cancelled or not self.current(delivery):
            delivery.cancelled = True
            return None
        if delivery.payload is None:
            self._prepare(delivery)
        assert delivery.payload is not None
        number = len(delivery.attempts) + 1
        at = epoch_ms(self.clock.now())
        # Redirects are not followed: a 3xx is an answer that is not "OK".
        answer = self.client.submit(
            target(delivery.url),
            delivery.payload,
            timeout=self.config.callback_timeout,
            max_response=self.config.callback_max_response,
        )
        return Started(number, at, answer)

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

    def record(self, delivery: Delivery, started: Started, answer: http.Answer) -> bool:
        """Keep the outcome of an attempt; whether an HTTP answer came back."""
        number = started.number
        record = attempt_record(
            number, started.at, answer.elapsed, answer, self.config.callback_ack
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
        self.waiters.notify(delivery)
        return answer.status is not None

    def _unacknowledged(self, delivery: Delivery, number: int, *, refused: bool) -> None:
        self.failed += 1
        retries = self.config.callback_retries
        delivery.next_attempt_at = None
        if delivery.cancelled or not self.current(delivery):
            delivery.cancelled = True  # a cancel or reset while this attempt was on the wire
        elif refused:  # the sandbox itself: the same answer every time, so no retry
            delivery.gave_up = True
        elif number <= len(retries):
            scaled = retries[number - 1] * self.config.time_scale
            delivery.next_attempt_at = delivery.due_at = self.clock.now() + scaled
            self._retry(delivery)
        else:
            delivery.gave_up = True
            logger.warning(
                "callback %s for %s gave up after %d attempts",
                delivery.id,
                delivery.order.trade_no,
                number,
            )
