"""The sandbox with ``--orders N`` payouts already stored, for bench/tail.py.

The orders are created in-process before serving, through the same ``Payments.create``
and ``Dispatcher.schedule`` calls a create request makes (the default scenario, its
SUCCESS callback pending), so the stored state is that of a sandbox that took N creates,
in seconds instead of minutes. ``--gc off`` turns the GC policy (vexora_sandbox/gcpolicy.py)
off. ``GET /_bench/gc`` answers the collections made while serving, by generation, with
their pauses (from ``gc.callbacks``), and the policy's freeze count; ``?collect=1`` makes a
full collection first (in the serving loop, as the collector would) and gives its time.

Settings come from the VEXORA_SANDBOX_* environment, as for ``serve``. Prints
``serving on URL``; stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from typing import Any

from aiohttp import web

from vexora_sandbox import eventloop, keys
from vexora_sandbox.app import create_app
from vexora_sandbox.config import load_config
from vexora_sandbox.domain.orders import OrderKind
from vexora_sandbox.scenarios.model import DEFAULT_SCENARIO
from vexora_sandbox.server import Listening, serve_until_signal


class Pauses:
    """Every collection's generation and duration, from gc.callbacks."""

    def __init__(self) -> None:
        self.started = 0.0
        self.by_generation: dict[int, list[float]] = {0: [], 1: [], 2: []}
        gc.callbacks.append(self.callback)

    def callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self.started = time.perf_counter()
        else:
            self.by_generation[info["generation"]].append(time.perf_counter() - self.started)

    def reset(self) -> None:
        for pauses in self.by_generation.values():
            pauses.clear()

    def as_json(self) -> dict[str, Any]:
        return {
            str(g): {"count": len(p), "total_ms": sum(p) * 1000, "max_ms": max(p, default=0) * 1000}
            for g, p in self.by_generation.items()
        }


def seed(app: web.Application, count: int) -> None:
    payments, dispatcher = app[keys.PAYMENTS], app[keys.DISPATCHER]
    merchant = app[keys.CONFIG].merchants[0].merchant_no
    for i in range(count):
        order = payments.create(
            merchant_no=merchant,
            trade_no=f"SEED{i:09d}",
            kind=OrderKind.PAYOUT,
            endpoint="disbursements",
            area="default",
            amount="150",
            notify_url="http://127.0.0.1:9/notify",
            remark="",
        )
        dispatcher.schedule(order, DEFAULT_SCENARIO.callbacks, scenario="default")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=0)
    parser.add_argument("--gc", choices=["on", "off"], default="on")
    args = parser.parse_args()
    app = create_app(load_config({}, os.environ))
    app[keys.GC_POLICY].enabled = args.gc == "on"
    seed(app, args.orders)
    gc.collect()  # settled: the collections that seeding set off are behind us
    pauses = Pauses()

    async def stats(request: web.Request) -> web.Response:
        policy = request.app[keys.GC_POLICY]
        answer = {"pauses": pauses.as_json(), "freezes": policy.freezes}
        answer["frozen"] = gc.get_freeze_count()
        if request.query.get("reset"):
            pauses.reset()
        if request.query.get("collect"):
            # A full collection inside the measured window, as the collector makes one
            # when the store has grown by a quarter: the pause is what the requests see.
            started = time.perf_counter()
            gc.collect()
            answer["collect_ms"] = (time.perf_counter() - started) * 1000
        return web.json_response(answer)

    app.router.add_get("/_bench/gc", stats)

    def ready(listening: Listening) -> None:
        print(f"serving on {listening.url}", flush=True)

    eventloop.run(serve_until_signal(app, "127.0.0.1", 0, ready))  # as `serve` does


if __name__ == "__main__":
    main()
