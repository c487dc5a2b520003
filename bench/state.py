"""--state: creates with the state file vs in memory, the synchronous level, and start-up
with 100,000 orders kept.

1. Creates (wrk, the same pre-signed bodies as throughput.py, callbacks live to
   bench/receiver.py): ``serve`` in memory and ``serve --state FILE`` in each of
   ``--rounds`` rounds, alternating which goes first, server pinned to one core and wrk
   to the other (taskset); medians, the ratio per round and its spread.
   Target: with --state >= 0.8 x the in-memory req/s.
2. Commits of the SQLite backend alone, ``synchronous=NORMAL`` (the choice) vs ``FULL``
   (an fsync per commit): batches of 1 and of 50 orders, in this process.
3. Start-up: process start to the first healthy answer with a state file of 100,000
   orders (half of them final, their ledger, 10,000 finished and 1,000 pending callbacks),
   median of 5, next to an empty start (alternated; the ratio printed). Target: < 1 s.

Needs ``wrk`` for part 1 (Debian: apt-get install wrk).
Run: ``.venv/bin/python bench/state.py [--duration 10] [--connections 50]``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import _harness as h
import throughput as t
from startup import _command

from vexora_sandbox.callbacks.delivery import Delivery
from vexora_sandbox.domain.ledger import Ledger
from vexora_sandbox.domain.orders import SUCCESS, Order, OrderKind
from vexora_sandbox.scenarios.model import CallbackSpec
from vexora_sandbox.state.backend import Batch
from vexora_sandbox.state.codecs import delivery_row, ledger_row
from vexora_sandbox.state.order_rows import order_row
from vexora_sandbox.state.sqlite import SqliteBackend

CREATES_TARGET = 0.8
STARTUP_TARGET = 1.0
ORDERS = 100_000
OPENING = Decimal(100_000_000)
AMOUNT = Decimal(150)


def show(name: str, f: dict[str, float]) -> None:
    print(
        f"  {name:<22} {f['rps']:>7,.0f} req/s  p50 {f['p50_us'] / 1000:6.2f} ms  "
        f"p99 {f['p99_us'] / 1000:6.2f} ms  CPU {f['cpu_us']:4.0f} us/req  "
        f"errors {int(f['errors'])}"
    )


def creates(args: argparse.Namespace, tmp: Path, receiver: h.Proc) -> None:
    """``--rounds`` rounds, each measuring both modes, alternating which goes first (the
    machine's load drifts): medians, the ratio per round, and its spread."""
    notify = receiver.url + "/notify"
    modes = ("memory", "state")
    results: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    for number in range(args.rounds):
        order = modes if number % 2 == 0 else modes[::-1]
        round_figures: dict[str, dict[str, float]] = {}
        for label in order:
            settings = {"state": str(tmp / f"bench-{number}.db")} if label == "state" else {}
            prefix = f"{label[0].upper()}{number}"
            warm = t.write_creates(tmp / f"{label}-w.jsonl", prefix + "W", 60_000, notify)
            bodies = t.write_creates(
                tmp / f"{label}.jsonl", prefix + "M", int(args.duration * t.MAX_RATE), notify
            )
            with h.sandbox(**settings) as sandbox:
                t.wrk(sandbox.url + t.PAYOUTS, warm, args.warmup, args.connections)
                figures = t.measured(sandbox, sandbox.url + t.PAYOUTS, bodies, args)
                codes = t.journal_codes(sandbox.url, "disbursements")
                drained = t.drain_callbacks(sandbox.url, receiver, prefix, 180)
            print(f"  round {number + 1} [{label}] answers by code {codes}; {drained}")
            show(f"round {number + 1} {label}", figures)
            round_figures[label] = figures
            results[label].append(figures)
        ratios.append(round_figures["state"]["rps"] / round_figures["memory"]["rps"])
        cpu_ratios.append(round_figures["memory"]["cpu_us"] / round_figures["state"]["cpu_us"])
    memory, state = t.median_of(results["memory"]), t.median_of(results["state"])
    show("creates in memory", memory)
    show("creates with --state", state)
    ratio = state["rps"] / memory["rps"]
    print(
        f"  --state: {ratio:.2f} x in-memory req/s (medians of {args.rounds} rounds); per "
        f"round {', '.join(f'{r:.2f}' for r in ratios)} (spread {min(ratios):.2f}-"
        f"{max(ratios):.2f}); by CPU per create {h.median(cpu_ratios):.2f} x (spread "
        f"{min(cpu_ratios):.2f}-{max(cpu_ratios):.2f}: {state['cpu_us']:.0f} vs "
        f"{memory['cpu_us']:.0f} us); p99 {state['p99_us'] / 1000:.1f} ms vs "
        f"{memory['p99_us'] / 1000:.1f} ms"
    )
    print(f"target: --state >= {CREATES_TARGET} x in memory: {h.verdict(ratio >= CREATES_TARGET)}")


def order(n: int, final: bool) -> Order:
    made = Order(
        merchant_no=h.MERCHANT_NO,
        trade_no=f"S{n:09d}",
        platform_trade_no=f"VXP{n:010d}abcdef",
        kind=OrderKind.PAYOUT,
        endpoint="disbursements",
        area="default",
        amount=str(AMOUNT),
        amount_value=AMOUNT,
        notify_url="http://127.0.0.1:9/notify",
        remark="bench",
        created_at=1_764_000_000.0 + n,
    )
    if final:
        made.transition(SUCCESS, "SUCCESS", made.created_at + 2)
    return made


def commits(tmp: Path) -> None:
    for synchronous in ("NORMAL", "FULL"):
        backend = SqliteBackend(str(tmp / f"sync-{synchronous}.db"), synchronous=synchronous)
        backend.open()
        for size in (1, 50):
            rounds = 400 if size == 1 else 100
            started = time.perf_counter()
            for r in range(rounds):
                rows = [order_row(order(r * size + i, False)) for i in range(size)]
                backend.commit(Batch(orders=rows))
            spent = time.perf_counter() - started
            print(
                f"  synchronous={synchronous:<6} {size:>2} order(s) per commit: "
                f"{rounds / spent:7,.0f} commits/s, {rounds * size / spent:8,.0f} orders/s"
            )
        backend.close()


def seeded(path: Path) -> None:
    backend = SqliteBackend(str(path))
    backend.open()
    orders = [order(n, final=n % 2 == 0) for n in range(ORDERS)]
    ledger = Ledger(OPENING)
    for made in orders:
        ledger.reserve(made.amount_value)
        if made.status == SUCCESS:
            ledger.settle_payout(made.amount_value, True)
    spec = CallbackSpec(after=2.0, status=SUCCESS)
    deliveries = []
    for n in range(11_000):
        made = orders[n]
        delivery = Delivery(id=n + 1, order=made, url=made.notify_url, due_at=0.0, spec=spec)
        if n < 10_000:
            delivery.acknowledged = True
        else:
            delivery.due_at = time.time() + 3600  # pending, due in an hour
        deliveries.append(delivery_row(delivery))
    backend.commit(
        Batch(
            orders=[order_row(o) for o in orders],
            ledgers=[ledger_row(h.MERCHANT_NO, "", OPENING, ledger)],
            deliveries=deliveries,
            meta={"ids": str(ORDERS), "next_delivery_id": "11001"},
        )
    )
    backend.close()


def to_healthy(command: list[str]) -> tuple[float, float]:
    """Wall seconds from process start to the first healthy answer, and the CPU seconds the
    server used by then (steadier than wall time when other work shares the machine)."""
    started = time.perf_counter()
    proc = h.Proc(command, env=h.sandbox_env())
    try:
        url = proc.wait_url(timeout=120)
        while True:
            try:
                h.get_json(f"{url}/_sandbox/health", timeout=5)
                return time.perf_counter() - started, proc.cpu_seconds()
            except OSError:
                time.sleep(0.005)
    finally:
        proc.stop()


def startup(tmp: Path, runs: int) -> None:
    path = tmp / "startup.db"
    seeded(path)
    print(f"  state file of {ORDERS:,} orders: {path.stat().st_size / 2**20:.1f} MiB")
    command = _command()
    wall: dict[str, list[float]] = {"empty": [], "state": []}
    cpu: dict[str, list[float]] = {"empty": [], "state": []}
    to_healthy(command)  # warm the page cache and the .pyc files
    for _ in range(runs):
        for label, extra in (("empty", []), ("state", ["--state", str(path)])):
            seconds, used = to_healthy([*command, *extra])
            wall[label].append(seconds)
            cpu[label].append(used)
    for label, what in (("empty", "no state file"), ("state", f"{ORDERS:,} orders")):
        print(
            f"  start-up, {what}: median {h.median(wall[label]):.3f} s wall "
            f"(min {min(wall[label]):.3f}, max {max(wall[label]):.3f}), "
            f"{h.median(cpu[label]):.3f} s CPU, {runs} runs"
        )
    kept = h.median(wall["state"])
    print(
        f"  100,000 orders vs an empty start: {kept / h.median(wall['empty']):.2f} x wall, "
        f"+{kept - h.median(wall['empty']):.3f} s; "
        f"+{h.median(cpu['state']) - h.median(cpu['empty']):.3f} s of CPU"
    )
    print(
        f"target: start-up with {ORDERS:,} orders < {STARTUP_TARGET} s: "
        f"{h.verdict(kept < STARTUP_TARGET)} (CPU: {h.median(cpu['state']):.3f} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5, help="start-ups per mode")
    parser.add_argument("--rounds", type=int, default=4, help="create rounds (both modes)")
    parser.add_argument("--skip-creates", action="store_true")
    parser.add_argument("--skip-startup", action="store_true")
    args = parser.parse_args()
    print(f"machine: {h.machine()}")
    with tempfile.TemporaryDirectory(prefix="vexora-bench-state-") as tmpdir:
        tmp = Path(tmpdir)
        if not args.skip_startup:
            print("commits of the SQLite backend alone:")
            commits(tmp)
            print("start-up:")
            startup(tmp, args.runs)
        if not args.skip_creates:
            if shutil.which("wrk") is None:
                print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
                return 2
            print(
                f"creates: wrk -t1 -c{args.connections}, {args.duration:g} s after "
                f"{args.warmup:g} s"
            )
            with h.receiver() as receiver:
                creates(args, tmp, receiver)
    return 0


if __name__ == "__main__":
    sys.exit(main())
