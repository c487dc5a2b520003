"""Callback delivery at scale: 10,000 callbacks falling due within one second.

The due times are set, not hoped for: the sandbox runs bench/held_sandbox.py, whose clock
stands still while the orders are created (so every order has the same creation time T0),
and order i is matched by one of ``--steps`` scenarios (a ``tradeNo`` prefix) whose
``after`` is ``lead + k * spread / steps``. Then the clock is released to run in real time
and the callbacks fall due over exactly ``--spread`` seconds, ``--lead`` seconds later.
Among them are orders whose notifyUrl is dead: a 127.0.0.1 port with nothing listening, and
a path where the receiver never answers (``callback_timeout`` 10 s holds a slot each).

Every other callback goes to bench/receiver.py in another process, which answers ``OK``
and records the wall-clock arrival of each. Printed: the spread of the due times; lateness
p50/p99/max, both of the attempt's start (journal: ``attempts[0].at - dueAt``) and of the
arrival at the receiver; callbacks lost (not acknowledged or never received) and
duplicated (received more than once); the sandbox's CPU time per delivered callback and
its peak RSS. The sandbox is pinned to one core, the receiver and this script to the other
(taskset, when there). Targets: 0 lost, 0 duplicated, p99 lateness <= 100 ms.
Run: ``.venv/bin/python bench/callbacks.py [--orders 10000] [--spread 1]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

import _harness as h
import aiohttp

TARGET_P99_MS = 100.0
# Where the delivery process runs: the receiver's core, the server's, or either.
WORKER_CPUS = {"load": {h.LOAD_CPU}, "server": {h.SERVER_CPU}, "any": {h.SERVER_CPU, h.LOAD_CPU}}


def scenarios(afters: list[float]) -> str:
    lines = []
    for step, after in enumerate(afters):
        lines += [
            f"- name: step-{step:03d}",
            "  match:",
            "    endpoint: disbursements",
            f'    body: {{tradeNo: {{prefix: "C{step:03d}-"}}}}',
            "  callbacks:",
            f'    - {{after: {after:.3f}, status: "0000", message: SUCCESS}}',
        ]
    return "\n".join(lines) + "\n"


def dead_port() -> int:
    """A 127.0.0.1 port with nothing listening (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def create(session: aiohttp.ClientSession, url: str, bodies: list[dict[str, str]]) -> int:
    """POST every body, 64 at a time; the number answered 0000."""
    queue = iter(bodies)
    ok = 0

    async def worker() -> None:
        nonlocal ok
        for body in queue:
            async with session.post(
                url + "/v1/vexora/disbursements", json=body, headers={"merchantNo": h.MERCHANT_NO}
            ) as response:
                answer = await response.json()
                ok += answer["code"] == "0000"

    await asyncio.gather(*(worker() for _ in range(64)))
    return ok


def bodies(args: argparse.Namespace, receiver_url: str) -> tuple[list[dict[str, str]], set[str]]:
    """Order i in step i % steps; the first ``dead`` of step 0 refused, of the middle one hung."""
    refused = f"http://127.0.0.1:{dead_port()}/notify"
    out, dead = [], set()
    for i in range(args.orders):
        step, nth = i % args.steps, i // args.steps
        trade_no = f"C{step:03d}-{nth:06d}"
        url = receiver_url + "/notify"
        if nth < args.dead and step in (0, args.steps // 2):
            url = refused if step == 0 else receiver_url + "/hang"
            dead.add(trade_no)
        out.append(h.payout(trade_no, url))
    return out, dead


async def received(session: aiohttp.ClientSession, url: str) -> dict[str, list[float]]:
    async with session.get(url + "/_stats") as response:
        stats = json.loads(await response.read())
    return {t: v for t, v in stats["arrivals"].items() if t.startswith("C")}


def worker_of(pid: int) -> int | None:
    """The delivery process: the sandbox's one child (process mode), if it has one."""
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


async def run(args: argparse.Namespace, tmp: Path, mode: str) -> dict[str, float]:
    scenario_file = tmp / "scenarios.yaml"
    afters = [args.lead + k * args.spread / args.steps for k in range(args.steps)]
    scenario_file.write_text(scenarios(afters))
    settings: dict[str, object] = {"callback_delivery": mode}
    if args.concurrency:
        settings["callback_concurrency"] = args.concurrency
    env = h.sandbox_env(scenarios=scenario_file, journal_size=args.orders * 3, **settings)
    held = h.pinned([h.PYTHON, str(h.BENCH / "held_sandbox.py")], h.SERVER_CPU)
    with h.receiver("--hang", "/hang") as rec, h.running(held, env=env) as sandbox:
        to_send, dead = bodies(args, rec.url)
        live_count = len(to_send) - len(dead)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
            started = time.perf_counter()
            created = await create(session, sandbox.url, to_send)
            creating = time.perf_counter() - started
            worker = worker_of(sandbox.pid)
            if worker is not None:  # started with the first scheduled callback
                with contextlib.suppress(AttributeError, OSError):
                    os.sched_setaffinity(worker, WORKER_CPUS[args.worker_cpu])
            cpu, worker_cpu = sandbox.cpu_seconds(), cpu_of(worker)
            receiver_cpu = rec.cpu_seconds()
            async with session.post(sandbox.url + "/_bench/release") as response:
                shift = float((await response.json())["shift"])
            released = time.perf_counter()
            deadline = time.monotonic() + args.lead + args.spread + 60
            arrivals: dict[str, list[float]] = {}
            while time.monotonic() < deadline:
                arrivals = await received(session, rec.url)
                if len(arrivals) >= live_count:
                    break
                await asyncio.sleep(0.1)
            delivering = time.perf_counter() - released
            cpu = sandbox.cpu_seconds() - cpu
            worker_cpu = cpu_of(worker) - worker_cpu
            receiver_cpu = rec.cpu_seconds() - receiver_cpu
            await asyncio.sleep(0.5)  # a duplicate would come now, if at all
            arrivals = await received(session, rec.url)
            async with session.get(sandbox.url + "/_sandbox/callbacks") as response:
                journal: dict[str, Any] = await response.json()
        peak = sandbox.peak_rss_kib()
    deliveries = [d for d in journal["callbacks"] if d["tradeNo"].startswith("C")]
    live = [d for d in deliveries if d["tradeNo"] not in dead]
    dead_tried = [d for d in deliveries if d["tradeNo"] in dead and d["attempts"]]
    due = [d["dueAt"] for d in live]
    started_late = [d["attempts"][0]["at"] - d["dueAt"] for d in live if d["attempts"]]
    arrived_late = [
        (arrivals[d["tradeNo"]][0] - shift) * 1000 - d["dueAt"]
        for d in live
        if d["tradeNo"] in arrivals
    ]
    acked = sum(1 for d in live if d["acknowledged"])
    lost = sum(1 for d in live if not d["acknowledged"] or d["tradeNo"] not in arrivals)
    duplicated = sum(len(v) - 1 for v in arrivals.values())
    extra_attempts = sum(len(d["attempts"]) - 1 for d in live if d["attempts"])
    print(f"--- callback_delivery: {mode}" + (f" (delivery process {worker})" if worker else ""))
    print(
        f"orders created: {created:,} of {args.orders:,} in {creating:.1f} s with the clock "
        f"held; {len(dead)} with a dead notifyUrl (half refused, half hanging)"
    )
    print(
        f"due times of the {len(live):,} live callbacks span {(max(due) - min(due)) / 1000:.3f} s "
        f"in {args.steps} steps, starting {args.lead:g} s after the release"
    )
    print(
        f"delivered and acknowledged: {acked:,} of {len(live):,}; lost {lost}; duplicated "
        f"{duplicated} (retries {extra_attempts}); all received {delivering:.2f} s after release"
    )
    print(
        f"dead URLs: {len(dead_tried)} attempted so far; errors: "
        + ", ".join(sorted({str(d["attempts"][0]["error"])[:50] for d in dead_tried}))
    )
    for name, late in (("attempt started", started_late), ("arrived", arrived_late)):
        print(
            f"lateness, {name + ':':<16} p50 {h.percentile(late, 50):5.0f} ms, "
            f"p99 {h.percentile(late, 99):5.0f} ms, max {max(late):5.0f} ms"
        )
    per_callback = cpu / max(acked, 1) * 1e6
    per_worker = worker_cpu / max(acked, 1) * 1e6
    per_receiver = receiver_cpu / max(acked, 1) * 1e6
    print(
        f"serving process CPU while delivering: {cpu:.2f} s, {per_callback:.0f} us per "
        f"callback ({acked / max(cpu, 1e-9):,.0f} callbacks per CPU second); delivery "
        f"process: {worker_cpu:.2f} s, {per_worker:.0f} us per callback; receiver: "
        f"{per_receiver:.0f} us per callback; peak RSS {peak / 1024:.1f} MiB"
    )
    p99 = h.percentile(arrived_late, 99)
    ok = lost == 0 and duplicated == 0 and acked == len(live) and p99 <= TARGET_P99_MS
    print(f"target: 0 lost, 0 duplicated, p99 <= {TARGET_P99_MS:g} ms: {h.verdict(ok)}")
    return {
        "p50": h.percentile(arrived_late, 50),
        "p99": p99,
        "max": max(arrived_late),
        "cpu_us": per_callback,
        "worker_us": per_worker,
        "receiver_us": per_receiver,
        "bad": float(lost + duplicated + len(live) - acked),
        "ok": float(ok),
    }


def summary(results: dict[str, list[dict[str, float]]]) -> None:
    """Each mode's median over its rounds (min-max), and process vs loop in the same run."""
    print(
        "\nmode     rounds  p99 lateness, median (min-max)   serving CPU/callback  "
        "delivery CPU  receiver CPU  lost+dup"
    )
    medians: dict[str, dict[str, float]] = {}
    for mode, rounds in results.items():
        if not rounds:
            continue
        med = {k: h.median([r[k] for r in rounds]) for k in rounds[0]}
        medians[mode] = med
        p99s = [r["p99"] for r in rounds]
        print(
            f"{mode:<8} {len(rounds):>6}  {med['p99']:7.0f} ms ({min(p99s):.0f}-{max(p99s):.0f})"
            f"{'':>12}{med['cpu_us']:6.0f} us{'':>10}{med['worker_us']:6.0f} us"
            f"{'':>4}{med['receiver_us']:6.0f} us  {sum(r['bad'] for r in rounds):.0f}"
        )
    if "process" in medians and "loop" in medians:
        p, lp = medians["process"], medians["loop"]
        print(
            f"process / loop: p99 lateness {p['p99'] / max(lp['p99'], 1e-9):.2f} x, serving "
            f"CPU per callback {p['cpu_us'] / max(lp['cpu_us'], 1e-9):.2f} x"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=1.0, help="seconds the due times span")
    parser.add_argument("--steps", type=int, default=50, help="distinct due times")
    parser.add_argument("--lead", type=float, default=1.0, help="release to first due time")
    parser.add_argument("--dead", type=int, default=5, help="dead notifyUrls of each kind")
    parser.add_argument(
        "--delivery",
        choices=("both", "process", "loop"),
        default="both",
        help="callback_delivery; both: the modes alternate, loop first",
    )
    parser.add_argument("--rounds", type=int, default=2, help="runs of each mode")
    parser.add_argument(
        "--concurrency", type=int, default=0, help="callback_concurrency (0: the default)"
    )
    parser.add_argument(
        "--worker-cpu",
        choices=sorted(WORKER_CPUS),
        default="load",
        help="the delivery process's core: the receiver's (load), the server's, or any",
    )
    args = parser.parse_args()
    print(f"machine: {h.machine()}; {h.pinning()}; a delivery process goes to CPU {h.LOAD_CPU}")
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {h.LOAD_CPU})  # the client shares the receiver's core
    modes = ["loop", "process"] if args.delivery == "both" else [args.delivery]
    results: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
    for _ in range(args.rounds):
        for mode in modes:
            with tempfile.TemporaryDirectory(prefix="vexora-bench-") as tmp:
                results[mode].append(asyncio.run(run(args, Path(tmp), mode)))
    summary(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
