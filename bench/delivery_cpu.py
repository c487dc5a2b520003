"""The serving process's CPU per callback, in process, without the noise of wall-clock time.

The sandbox's dispatcher runs in this process on a manual clock: ``--orders`` payouts are
stored with one callback each, all due at once, then ``advance`` delivers them and the
CPU time of this process (``time.process_time``, all threads) is divided by the count.
Three ways, alternated over ``--rounds``:

- ``null``: a client that answers ``OK`` at once, with no I/O: the floor of what a callback
  costs the serving loop (status applied, body built and signed, lanes, journal);
- ``loop``: ``callback_delivery: loop``, the HTTP exchange on this loop, to
  bench/receiver.py;
- ``process``: ``callback_delivery: process``, the exchange in the delivery process (whose
  CPU is printed apart, from /proc), to the same receiver.

With ``--profile``, one more ``process`` run under cProfile prints its top functions.
Run: ``.venv/bin/python bench/delivery_cpu.py [--orders 5000] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import os
import pstats
import time
from pathlib import Path

import _harness as h

from vexora_sandbox import SandboxConfig, create_app, eventloop, keys
from vexora_sandbox.callbacks.http import Answer
from vexora_sandbox.domain.clock import ManualClock
from vexora_sandbox.domain.orders import OrderKind
from vexora_sandbox.scenarios.model import CallbackSpec


class NullClient:
    """Answers every attempt ``200 OK`` at once."""

    def submit(
        self, url: str, body: bytes, *, timeout: float, max_response: int
    ) -> asyncio.Future[Answer]:
        answer: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        answer.set_result(Answer(200, b"OK"))
        return answer

    async def close(self) -> None:
        pass


def cpu_of(pid: int | None) -> float:
    if pid is None:
        return 0.0
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


async def one(
    way: str, orders: int, url: str, profile: cProfile.Profile | None
) -> tuple[float, float]:
    """(serving CPU us per callback, delivery process CPU us per callback)."""
    mode = "loop" if way == "null" else way
    config = SandboxConfig(clock="manual", callback_delivery=mode, journal_size=orders)  # type: ignore[arg-type]
    app = create_app(config, clock=ManualClock(time.time()))
    dispatcher = app[keys.DISPATCHER]
    if way == "null":
        dispatcher._client = dispatcher._attempts.client = NullClient()  # type: ignore[assignment]
    await dispatcher.start()
    payments = app[keys.PAYMENTS]
    spec = (CallbackSpec(after=1, status="0000", message="SUCCESS"),)
    for i in range(orders):
        order = payments.create(
            merchant_no=h.MERCHANT_NO,
            trade_no=f"B{i:06d}",
            kind=OrderKind.PAYOUT,
            endpoint="disbursements",
            area="default",
            amount="100",
            notify_url=url,
            remark="",
        )
        dispatcher.schedule(order, spec, scenario="bench")
    worker = getattr(dispatcher._client, "pid", None)
    for _ in range(1000):  # until the delivery process (if any) is ready: 10 s at most
        if getattr(dispatcher._client, "_ready", True):
            break
        await asyncio.sleep(0.01)
    if worker is not None:  # it inherited this process's core: give it the other one
        with contextlib.suppress(AttributeError, OSError):
            os.sched_setaffinity(worker, {h.LOAD_CPU})
    await asyncio.sleep(0.5)
    gc.collect()
    gc.freeze()  # what the server's GC policy does with a stored set (vexora_sandbox.gcpolicy)
    worker_cpu, cpu = cpu_of(worker), time.process_time()
    if profile is not None:
        profile.enable()
    await dispatcher.advance(1)
    if profile is not None:
        profile.disable()
    cpu, worker_cpu = time.process_time() - cpu, cpu_of(worker) - worker_cpu
    acked = sum(d.acknowledged for d in dispatcher.deliveries)
    await dispatcher.stop()
    gc.unfreeze()
    assert acked == orders, f"{acked} of {orders} acknowledged"
    return cpu / orders * 1e6, worker_cpu / orders * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(f"machine: {h.machine()}; this process on CPU {h.SERVER_CPU}, the rest on {h.LOAD_CPU}")
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {h.SERVER_CPU})
    ways = ("null", "loop", "process")
    results: dict[str, list[tuple[float, float]]] = {w: [] for w in ways}
    with h.receiver() as rec:
        url = rec.url + "/notify"

        async def run_all() -> None:
            for _ in range(args.rounds):
                for way in ways:
                    results[way].append(await one(way, args.orders, url, None))
            if args.profile:
                profile = cProfile.Profile()
                await one("process", args.orders, url, profile)
                pstats.Stats(profile).sort_stats("cumulative").print_stats(40)

        eventloop.run(run_all())  # uvloop when installed, as ``serve``
    print(f"\n{args.orders:,} callbacks per run, {args.rounds} runs each; CPU per callback:")
    print("way       serving process, median (min-max)   delivery process, median")
    for way, runs in results.items():
        serving = [r[0] for r in runs]
        print(
            f"{way:<9} {h.median(serving):6.1f} us ({min(serving):.1f}-{max(serving):.1f})"
            f"{'':>17}{h.median([r[1] for r in runs]):6.1f} us"
        )
    loop = h.median([r[0] for r in results["loop"]])
    proc = h.median([r[0] for r in results["process"]])
    print(f"process / loop, serving CPU per callback: {proc / loop:.2f} x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
