"""Tail latency as the store grows: p99 of creates with 1,000 vs 200,000 stored orders.

In one run, for the GC policy off and on (vexora_sandbox/gcpolicy.py), each store size
gets its own sandbox (bench/seeded_sandbox.py: the orders stored before serving, the
clock manual so their callbacks stay pending), pinned to one core, and wrk on the other
sends signed payout creates for ``--duration`` seconds after a warm-up. Each sandbox makes
a full collection after seeding (a settled store), and one in the middle of the measured
window (``/_bench/gc?collect=1``): with a growing store the collector makes one whenever
the tracked objects grew by a quarter, so a window of a long run holds such a pause, and
this one is in every run, at the same place. Printed per run:
req/s, p50/p99/max latency, the server's CPU per request, the garbage collections made
during the measurement (count and longest pause of the oldest generation, from
``gc.callbacks``), the frozen object count and RSS. Goal (issue 15): p99 with 200,000
stored orders at most 2 x the p99 with 1,000.
Run: ``.venv/bin/python bench/tail.py [--duration 15] [--large 200000]``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import _harness as h
import throughput as t

GOAL = 2.0


def full_gc(sandbox: h.Proc) -> float:
    stats = h.get_json(sandbox.url + "/_bench/gc?collect=1")
    assert isinstance(stats, dict)
    return float(stats["collect_ms"])


def one(args: argparse.Namespace, tmp: Path, orders: int, policy: str) -> dict[str, float]:
    notify = "http://127.0.0.1:9/notify"  # never called: the clock is manual
    name = f"{policy}{orders}"
    warm = t.write_creates(tmp / f"{name}w.jsonl", name + "W", int(args.warmup * 10_000), notify)
    bodies = t.write_creates(tmp / f"{name}.jsonl", name, int(args.duration * 10_000), notify)
    command = [h.PYTHON, str(h.BENCH / "seeded_sandbox.py"), "--orders", str(orders)]
    command += ["--gc", policy]
    env = h.sandbox_env(clock="manual")
    with h.running(h.pinned(command, h.SERVER_CPU), env=env, timeout=300) as sandbox:
        t.wrk(sandbox.url + t.PAYOUTS, warm, args.warmup, args.connections)
        h.get_json(sandbox.url + "/_bench/gc?reset=1")
        args_run = argparse.Namespace(duration=args.duration, connections=args.connections)
        forced: list[float] = []
        collect = threading.Timer(args.duration / 2, lambda: forced.append(full_gc(sandbox)))
        collect.start()
        figures = t.measured(sandbox, sandbox.url + t.PAYOUTS, bodies, args_run)
        collect.join()
        stats = h.get_json(sandbox.url + "/_bench/gc")
        assert isinstance(stats, dict)
        codes = t.journal_codes(sandbox.url, "disbursements")
        figures["rss_mib"] = sandbox.rss_kib() / 1024
    full = stats["pauses"]["2"]
    figures["forced_ms"] = forced[0] if forced else float("nan")
    figures["full_count"], figures["full_max_ms"] = full["count"], full["max_ms"]
    figures["full_total_ms"] = full["total_ms"]
    figures["frozen"], figures["freezes"] = stats["frozen"], stats["freezes"]
    if set(codes) != {"0000"}:
        print(f"  CHECK FAILED: answers by code {codes}")
    print(
        f"  gc policy {policy:<3} {orders:>7,} stored: {figures['rps']:6,.0f} req/s  "
        f"p50 {figures['p50_us'] / 1000:6.1f} ms  p99 {figures['p99_us'] / 1000:6.1f} ms  "
        f"max {figures['max_us'] / 1000:6.1f} ms  CPU {figures['cpu_us']:4.0f} us/req  "
        f"forced full GC {figures['forced_ms']:.0f} ms; full GCs {int(full['count'])} "
        f"(max {full['max_ms']:.0f} ms, total "
        f"{full['total_ms']:.0f} ms)  frozen {int(stats['frozen']):,}  "
        f"RSS {figures['rss_mib']:.0f} MiB",
        flush=True,
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--policies", default="off,on", help="gc policy runs, in order")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    print(f"machine: {h.machine()}; {h.pinning()}")
    print(f"wrk -t1 -c{args.connections}, {args.duration:g} s after {args.warmup:g} s warm-up")
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {h.LOAD_CPU})
    results: dict[tuple[str, int], dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="vexora-bench-") as tmpdir:
        for policy in args.policies.split(","):
            for orders in (args.small, args.large):
                results[policy, orders] = one(args, Path(tmpdir), orders, policy)
    for policy in args.policies.split(","):
        small, large = results[policy, args.small], results[policy, args.large]
        ratio = large["p99_us"] / small["p99_us"]
        print(
            f"gc policy {policy}: p99 {large['p99_us'] / 1000:.1f} ms with {args.large:,} stored "
            f"vs {small['p99_us'] / 1000:.1f} ms with {args.small:,}: {ratio:.2f} x; "
            f"goal <= {GOAL:g} x: {h.verdict(ratio <= GOAL)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
