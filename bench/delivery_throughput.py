"""Creates with callbacks live, in each delivery mode, beside the bare handler and WireMock.

bench/throughput.py's targets (same wrk load, same checks: every create ``0000``, every
callback received and acknowledged), with the sandbox's ``callback_delivery`` set to
``loop`` and to ``process`` in turn, rounds interleaved. The sandbox is pinned to one core
as there; in process mode its delivery process is moved to the other core (where wrk and
the receiver run): what ``auto`` does on a machine with two cores, with the second core
shared as it would be. Printed per target: req/s, latency, the serving process's CPU per
request and the delivery process's, and the ratios to the bare handler and to WireMock.
Run: ``.venv/bin/python bench/delivery_throughput.py [--rounds 2] [--no-wiremock]``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import _harness as h
import throughput as t

MODE_VARIABLE = "VEXORA_SANDBOX_CALLBACK_DELIVERY"


def worker_of(pid: int) -> int | None:
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if children:
            return int(children[0])
    return None


def cpu_of(pid: int | None) -> float:
    if pid is None:
        return 0.0
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


_measured = t.measured


def measured(proc: h.Proc, url: str, bodies: Path, args: argparse.Namespace) -> t.Figures:
    """throughput.measured, with the delivery process (if any) on the other core and its
    CPU per request counted apart."""
    worker = worker_of(proc.pid)
    if worker is not None:
        with contextlib.suppress(AttributeError, OSError):
            os.sched_setaffinity(worker, {h.LOAD_CPU})
    before = cpu_of(worker)
    figures = _measured(proc, url, bodies, args)
    figures["worker_us"] = (cpu_of(worker) - before) / max(figures["requests"], 1) * 1e6
    return figures


t.measured = measured


def in_mode(mode: str, run: Callable[[], t.Figures]) -> Callable[[], t.Figures]:
    def target() -> t.Figures:
        os.environ[MODE_VARIABLE] = mode
        try:
            return run()
        finally:
            del os.environ[MODE_VARIABLE]

    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--wiremock-jar")
    parser.add_argument("--no-wiremock", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    print(f"machine: {h.machine()}")
    print(f"{h.pinning()}; in process mode the delivery process on CPU {h.LOAD_CPU}")
    rounds: dict[str, list[t.Figures]] = {}
    with (
        t.pinned_self(),
        tempfile.TemporaryDirectory(prefix="vexora-bench-") as tmpdir,
        h.receiver() as rec,
    ):
        bench = t.Bench(args, Path(tmpdir), rec)
        targets: dict[str, Callable[[], t.Figures | None]] = {
            "bare aiohttp handler": bench.bare,
            "creates, live, loop": in_mode("loop", lambda: bench.creates("live")),
            "creates, live, process": in_mode("process", lambda: bench.creates("plive")),
            "creates, refused, loop": in_mode(
                "loop", lambda: bench.creates("refused", refused=True)
            ),
            "creates, refused, process": in_mode(
                "process", lambda: bench.creates("prefused", refused=True)
            ),
            "creates, held": lambda: bench.creates("held", manual=True),
        }
        if not args.no_wiremock:
            targets["WireMock templated stub"] = bench.wiremock
        for number in range(args.rounds):
            print(f"round {number + 1}:")
            for name, target in targets.items():
                figures = target()
                if figures is not None:
                    rounds.setdefault(name, []).append(figures)
    results = {name: t.median_of(r) for name, r in rounds.items()}
    bare, wm = results["bare aiohttp handler"], results.get("WireMock templated stub")
    print("results (medians):")
    t.table(results, bare, wm)
    print("delivery process CPU per request (process mode):")
    for name, f in results.items():
        if "process" in name:
            print(f"  {name:<40} {f.get('worker_us', 0):6.0f} us")
    for name, runs in rounds.items():
        rps = [r["rps"] for r in runs]
        print(f"  spread of req/s, {name}: {min(rps):,.0f}-{max(rps):,.0f}")
    live = results["creates, live, process"]
    loop = results["creates, live, loop"]
    print(f"live creates, process / loop: {live['rps'] / loop['rps']:.2f} x by req/s")
    print(f"goal: live creates (process) >= 0.5 x bare: {live['rps'] / bare['rps']:.2f}")
    if wm:
        print(f"goal: live creates (process) >= 1.5 x WireMock: {live['rps'] / wm['rps']:.2f}")
    for problem in bench.problems:
        print(f"CHECK FAILED: {problem}")
    return 1 if bench.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
