"""``GET /_sandbox/metrics``: the sandbox in Prometheus' text format (prometheus-client).

Counted as they happen, through the events hook: gateway calls by area, endpoint and
code; callback attempts by outcome; how late each attempt started against the time it
was due (a histogram). Read at scrape time: callbacks pending and in flight, orders
stored per merchant, entries dropped from the bounded journals. The counts are plain
integers kept per application (no process-wide state); prometheus-client is imported at
the first scrape and writes the text format from them, so a sandbox nobody scrapes does
not load it. The route wants the admin token like every admin route. docs/metrics.md has
a scrape configuration.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.callbacks.delivery import Delivery
from vexora_sandbox.events import attempt_outcome

# From on time to the gateway's longest retry interval (3 h).
LATENESS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600)


class Metrics:
    def __init__(self, app: web.Application) -> None:
        self.app = app
        config = app[keys.CONFIG]
        self.time_scale = config.time_scale
        self.areas = {m.merchant_no: m.area for m in config.merchants}
        self.calls: dict[tuple[str, str, str], int] = {}
        self.attempts: dict[str, int] = {}
        self.lateness_buckets = [0] * (len(LATENESS_BUCKETS) + 1)  # the last one: +Inf
        self.lateness_sum = 0.0
        self.registry: Any = None  # made at the first scrape

    def call(self, entry: dict[str, Any], seconds: float) -> None:
        area = entry["area"] or self.areas.get(entry["merchantNo"] or "", "")
        response = entry["response"]
        code = str(response.get("code", "none")) if isinstance(response, dict) else "none"
        key = (area, entry["endpoint"] or "", code)
        self.calls[key] = self.calls.get(key, 0) + 1

    def attempt(self, delivery: Delivery, attempt: dict[str, Any]) -> None:
        outcome = attempt_outcome(delivery, attempt)
        self.attempts[outcome] = self.attempts.get(outcome, 0) + 1
        due = _due_ms(delivery, attempt, self.time_scale)
        if due is not None:
            late = max(0.0, (attempt["at"] - due) / 1000)
            self.lateness_buckets[bisect.bisect_left(LATENESS_BUCKETS, late)] += 1
            self.lateness_sum += late

    def collect(self) -> Iterator[Any]:
        """The metric families, for prometheus-client's writer."""
        from prometheus_client.core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
        )

        calls = CounterMetricFamily(
            "vexora_sandbox_calls",
            "Gateway calls answered, by area, endpoint and answer code",
            labels=["area", "endpoint", "code"],
        )
        for key, count in sorted(self.calls.items()):
            calls.add_metric(list(key), count)
        yield calls
        attempts = CounterMetricFamily(
            "vexora_sandbox_callback_attempts",
            "Callback attempts by outcome: acknowledged, retry, gave_up, not_acknowledged",
            labels=["outcome"],
        )
        for outcome, count in sorted(self.attempts.items()):
            attempts.add_metric([outcome], count)
        yield attempts
        cumulative, buckets = 0, []
        for bound, count in zip((*LATENESS_BUCKETS, "+Inf"), self.lateness_buckets, strict=True):
            cumulative += count
            buckets.append((str(bound) if bound == "+Inf" else f"{bound:g}", cumulative))
        yield HistogramMetricFamily(
            "vexora_sandbox_callback_lateness_seconds",
            "How long after its due time an attempt started, on the sandbox's clock",
            buckets=buckets,
            sum_value=self.lateness_sum,
        )
        dispatcher = self.app[keys.DISPATCHER]
        yield GaugeMetricFamily(
            "vexora_sandbox_callbacks_pending",
            "Callbacks waiting for their due time or for a free slot",
            value=dispatcher.pending_count,
        )
        yield GaugeMetricFamily(
            "vexora_sandbox_callbacks_in_flight",
            "Callback attempts on the wire",
            value=dispatcher.in_flight_count,
        )
        orders = GaugeMetricFamily(
            "vexora_sandbox_orders", "Orders stored, per merchant", labels=["merchantNo"]
        )
        store = self.app[keys.STORE]
        for merchant in store.merchants():
            orders.add_metric(
                [merchant.merchant_no], sum(1 for _ in store.orders(merchant.merchant_no))
            )
        yield orders
        dropped = CounterMetricFamily(
            "vexora_sandbox_journal_dropped",
            "Entries dropped from a bounded journal (journal_size)",
            labels=["journal"],
        )
        dropped.add_metric(["requests"], self.app[keys.REQUESTS].dropped)
        dropped.add_metric(["callbacks"], dispatcher.deliveries.dropped)
        yield dropped


def _due_ms(delivery: Delivery, attempt: dict[str, Any], time_scale: float) -> float | None:
    """When this attempt was due: the previous one's retry time, or the scenario's delay.
    A forced or replayed callback is due when it is made: not measured."""
    number = attempt["attempt"]
    if number > 1 and len(delivery.attempts) >= number:
        previous: float | None = delivery.attempts[number - 2].get("nextAttemptAt")
        return previous
    if delivery.spec is not None and delivery.origin == "scenario":
        return (delivery.order.created_at + delivery.spec.after * time_scale) * 1000
    return None


METRICS = web.AppKey("vexora_sandbox.metrics", Metrics)


def attach(app: web.Application) -> None:
    """Count ``app``'s calls and callback attempts from now on."""
    metrics = app[METRICS] = Metrics(app)
    app[keys.EVENTS].on_call(metrics.call)
    app[keys.EVENTS].on_attempt(metrics.attempt)


async def scrape(request: web.Request) -> web.Response:
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
    from prometheus_client.exposition import generate_latest

    metrics = request.config_dict[METRICS]
    if metrics.registry is None:
        metrics.registry = CollectorRegistry(auto_describe=False)
        metrics.registry.register(metrics)
    body = generate_latest(metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def setup_routes(admin: web.Application) -> None:
    admin.router.add_get("/metrics", scrape)
