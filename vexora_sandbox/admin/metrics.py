"""``GET /_sandbox/metrics``: the sandbox in Prometheus' text format (prometheus-client).

Counted as they happen, through the events hook: gateway calls by area, endpoint and
code; callback attempts by outcome; how late each attempt started against the time it
was due (a histogram). Read at scrape time: callbacks pending and in flight, orders
stored per merchant, entries dropped from the bounded journals. Each application has a
registry of its own (no process-wide state), and the route wants the admin token like
every admin route. docs/metrics.md has a scrape configuration.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from vexora_sandbox import keys
from vexora_sandbox.callbacks.delivery import Delivery
from vexora_sandbox.events import attempt_outcome

# From on time to the gateway's longest retry interval (3 h).
LATENESS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600)


class _State(Collector):
    """What is read when Prometheus scrapes rather than counted as it happens."""

    def __init__(self, app: web.Application) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        app = self.app
        dispatcher = app[keys.DISPATCHER]
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
        store = app[keys.STORE]
        for merchant in store.merchants():
            count = sum(1 for _ in store.orders(merchant.merchant_no))
            orders.add_metric([merchant.merchant_no], count)
        yield orders
        dropped = CounterMetricFamily(
            "vexora_sandbox_journal_dropped",
            "Entries dropped from a bounded journal (journal_size)",
            labels=["journal"],
        )
        dropped.add_metric(["requests"], app[keys.REQUESTS].dropped)
        dropped.add_metric(["callbacks"], dispatcher.log.dropped)
        yield dropped


class Metrics:
    def __init__(self, app: web.Application) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.calls = Counter(
            "vexora_sandbox_calls",
            "Gateway calls answered, by area, endpoint and answer code",
            ["area", "endpoint", "code"],
            registry=self.registry,
        )
        self.attempts = Counter(
            "vexora_sandbox_callback_attempts",
            "Callback attempts by outcome: acknowledged, retry, gave_up, not_acknowledged",
            ["outcome"],
            registry=self.registry,
        )
        self.lateness = Histogram(
            "vexora_sandbox_callback_lateness_seconds",
            "How long after its due time an attempt started, on the sandbox's clock",
            buckets=LATENESS_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_State(app))
        config = app[keys.CONFIG]
        self.time_scale = config.time_scale
        self.areas = {m.merchant_no: m.area for m in config.merchants}
        self._children: dict[tuple[str, str, str], Any] = {}

    def call(self, entry: dict[str, Any], seconds: float) -> None:
        area = entry["area"] or self.areas.get(entry["merchantNo"] or "", "")
        response = entry["response"]
        code = str(response.get("code", "none")) if isinstance(response, dict) else "none"
        key = (area, entry["endpoint"] or "", code)
        child = self._children.get(key)
        if child is None:  # labels() takes a lock and builds a key: once per combination
            child = self._children[key] = self.calls.labels(*key)
        child.inc()

    def attempt(self, delivery: Delivery, attempt: dict[str, Any]) -> None:
        self.attempts.labels(attempt_outcome(delivery, attempt)).inc()
        due = _due_ms(delivery, attempt, self.time_scale)
        if due is not None:
            self.lateness.observe(max(0.0, (attempt["at"] - due) / 1000))


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
    body = generate_latest(request.config_dict[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def setup_routes(admin: web.Application) -> None:
    admin.router.add_get("/metrics", scrape)
