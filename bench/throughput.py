"""Throughput: signed disbursement creates and payout queries, next to a bare aiohttp baseline.

The same load generator (wrk, one thread, bench/bodies.lua cycling through pre-signed
bodies with unique tradeNos) drives, in turn:

* baseline: bench/baseline.py, a bare aiohttp handler that parses the JSON and returns a
  fixed envelope (the issue's ~10,000 req/s reference);
* sandbox creates, callbacks live: ``vexora-sandbox serve`` with the default scenario, so
  each payout's SUCCESS callback falls due 2 s later and is delivered, during the run, to
  bench/receiver.py in another process answering ``OK``;
* sandbox creates, callbacks held: the same with ``--clock manual``, so callbacks wait
  until the window closes (then one clock advance delivers them all): the request path;
* sandbox queries: ``queryPayOutResult`` for orders created just before;
* the console's cost: callbacks held, once ``--quiet`` and once printing a line per call
  to a pipe this script reads (as a terminal would), one after the other.

Besides req/s and latency it prints the server's CPU time per request, which compares
fairly even when other work shares the machine. Checks: the answers by code (request
journal) and that every callback was received and acknowledged. Target: creates >= 0.7 x
baseline. Needs ``wrk`` (Debian: apt-get install wrk).
Target for the console: creates >= 0.95 x the quiet ones, by server CPU per request.
Run: ``.venv/bin/python bench/throughput.py [--duration 10] [--connections 50] [--console-only]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import _harness as h

TARGET = 0.7
CONSOLE_TARGET = 0.95
MAX_RATE = 25_000  # bodies generated per second of run: more than this machine can serve
LUA = h.BENCH / "bodies.lua"
PAYOUTS = "/v1/vexora/disbursements"
QUERIES = "/v1/vexora/queryPayOutResult"


def write_creates(path: Path, prefix: str, count: int, notify_url: str) -> Path:
    now = str(int(time.time() * 1000))
    with path.open("w") as out:
        for i in range(count):
            body = h.payout(f"{prefix}{i:09d}", notify_url, now)
            out.write(json.dumps(body, separators=(",", ":")) + "\n")
    return path


def write_queries(path: Path, trade_nos: list[str]) -> Path:
    now = str(int(time.time() * 1000))
    with path.open("w") as out:
        for trade_no in trade_nos:
            body = {"tradeNo": trade_no, "timestamp": now}
            body["sign"] = h.sign(body)
            out.write(json.dumps(body, separators=(",", ":")) + "\n")
    return path


def wrk(url: str, bodies: Path, seconds: float, connections: int) -> dict[str, float]:
    command = [
        "wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s",
        "-s", str(LUA), url, "--", str(bodies), h.MERCHANT_NO, "1",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(
        int(v) for k, v in list(figures.items()) if k.endswith("_errors") or k == "timeouts"
    )
    return figures


def measured(proc: h.Proc, url: str, bodies: Path, args: argparse.Namespace) -> dict[str, float]:
    """One wrk run, with the server's CPU time per request."""
    cpu = proc.cpu_seconds()
    figures = wrk(url, bodies, args.duration, args.connections)
    figures["cpu_us"] = (proc.cpu_seconds() - cpu) / max(figures["requests"], 1) * 1e6
    return figures


def show(name: str, f: dict[str, float], baseline: dict[str, float] | None = None) -> None:
    ratio = f"  {f['rps'] / baseline['rps']:.2f} x baseline" if baseline else ""
    print(
        f"  {name:<32} {f['rps']:>7,.0f} req/s  p50 {f['p50_us'] / 1000:6.2f} ms  "
        f"p99 {f['p99_us'] / 1000:6.2f} ms  CPU {f['cpu_us']:4.0f} us/req  "
        f"errors {int(f['errors'])}{ratio}"
    )


def journal_codes(url: str, endpoint: str) -> dict[str, int]:
    answer = h.get_json(f"{url}/_sandbox/requests?endpoint={endpoint}")
    assert isinstance(answer, dict)
    codes: dict[str, int] = {}
    for entry in answer["requests"]:
        code = (entry.get("response") or {}).get("code", "none")
        codes[code] = codes.get(code, 0) + 1
    return codes


def drain_callbacks(sandbox_url: str, receiver: h.Proc, prefix: str, timeout: float) -> str:
    """Wait until the sandbox has no callback pending; what the receiver got, in words."""
    deadline = time.monotonic() + timeout
    pending = -1
    while time.monotonic() < deadline:
        answer = h.get_json(f"{sandbox_url}/_sandbox/callbacks?tradeNo=-")
        assert isinstance(answer, dict)
        pending = int(answer["pending"])
        if pending == 0:
            break
        time.sleep(0.5)
    time.sleep(1)  # the last attempts in flight
    unacked = h.get_json(f"{sandbox_url}/_sandbox/callbacks?acknowledged=false")
    assert isinstance(unacked, dict)
    stats = h.get_json(f"{receiver.url}/_stats")
    assert isinstance(stats, dict)
    received = sum(1 for t in stats["arrivals"] if t.startswith(prefix))
    return (
        f"{received:,} orders' callbacks received and answered OK, {pending} pending, "
        f"{unacked['count']} unacknowledged in the journal"
    )


def sandbox_creates(
    args: argparse.Namespace, tmp: Path, receiver: h.Proc, label: str, *, manual: bool
) -> dict[str, float]:
    """Warm up, measure creates; then check the answers and the callbacks."""
    settings = {"clock": "manual"} if manual else {}
    prefix = label[0].upper()
    notify = receiver.url + "/notify"
    warm = write_creates(
        tmp / f"{label}-w.jsonl", prefix + "W", int(args.warmup * MAX_RATE), notify
    )
    bodies = write_creates(
        tmp / f"{label}.jsonl", prefix + "M", int(args.duration * MAX_RATE), notify
    )
    with h.sandbox(**settings) as sandbox:
        wrk(sandbox.url + PAYOUTS, warm, args.warmup, args.connections)
        figures = measured(sandbox, sandbox.url + PAYOUTS, bodies, args)
        if figures["requests"] >= args.duration * MAX_RATE:
            print(f"  warning: {label} ran out of bodies; tradeNos repeated")
        codes = journal_codes(sandbox.url, "disbursements")
        if manual:
            h.post_json(f"{sandbox.url}/_sandbox/clock/advance", {"seconds": 3}, timeout=300)
        drained = drain_callbacks(sandbox.url, receiver, prefix, 180)
        print(f"  [{label}] last {sum(codes.values())} answers by code {codes}; {drained}")
    return figures


def console_cost(args: argparse.Namespace, tmp: Path, receiver: h.Proc) -> tuple[float, float]:
    """Held creates with the console off and on, alternated ``--console-rounds`` times in
    alternating order (the machine's load drifts); each side's median; the ratios by req/s
    and by CPU per request."""
    notify = receiver.url + "/notify"
    runs: dict[str, list[dict[str, float]]] = {"quiet": [], "console": []}
    for round_no in range(args.console_rounds):
        sides = [("quiet", "true"), ("console", "false")]
        for label, quiet in sides if round_no % 2 == 0 else sides[::-1]:  # order alternates
            prefix = f"{label[0].upper()}{round_no}"
            count = int(args.duration * MAX_RATE)
            warm = write_creates(
                tmp / "c-w.jsonl", prefix + "W", int(args.warmup * MAX_RATE), notify
            )
            bodies = write_creates(tmp / "c.jsonl", prefix + "M", count, notify)
            with h.sandbox(clock="manual", quiet=quiet) as sandbox:
                printed = [0]

                def read(proc: h.Proc = sandbox, printed: list[int] = printed) -> None:
                    assert proc.popen.stdout is not None
                    for _ in proc.popen.stdout:
                        printed[0] += 1

                threading.Thread(target=read, daemon=True).start()
                wrk(sandbox.url + PAYOUTS, warm, args.warmup, args.connections)
                figures = measured(sandbox, sandbox.url + PAYOUTS, bodies, args)
                time.sleep(0.5)  # the console's last batch
            show(f"creates held, {label} (round {round_no + 1})", figures)
            print(f"    {printed[0]:,} console lines read")
            runs[label].append(figures)
    rps = h.median([f["rps"] for f in runs["console"]]) / h.median(
        [f["rps"] for f in runs["quiet"]]
    )
    quiet_us = h.median([f["cpu_us"] for f in runs["quiet"]])
    cpu = quiet_us / h.median([f["cpu_us"] for f in runs["console"]])
    line = console_line_cpu_us()
    print(
        f"  one console line, measured alone: {line:.1f} us of CPU (writing thread included) "
        f"= {line / quiet_us:.1%} of a quiet create's {quiet_us:.0f} us"
    )
    return rps, cpu


def console_line_cpu_us(lines: int = 30_000) -> float:
    """CPU per console line (formatting, batching, the thread's writes to a read pipe):
    steadier than the end-to-end runs on a machine whose load drifts."""
    import asyncio

    from vexora_sandbox.console import Console, Writer

    entry = {
        "time": int(time.time() * 1000), "method": "POST", "path": PAYOUTS,
        "endpoint": "disbursements", "area": None, "merchantNo": h.MERCHANT_NO,
        "body": {"tradeNo": "T20261124000001"}, "httpStatus": 200,
        "response": {"code": "0000", "msg": "success", "data": {"status": "0015"}},
    }  # fmt: skip

    async def run() -> float:
        cat = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        assert cat.stdin is not None
        writer = Writer(cat.stdin)
        console = Console(writer)
        cpu = time.process_time()
        for i in range(lines):
            console.call(entry, 0.001)
            if i % 50 == 0:
                await asyncio.sleep(0)  # the batching timer runs, as on a busy server
        writer.close()
        spent = time.process_time() - cpu
        cat.stdin.close()
        cat.wait()
        return spent / lines * 1e6

    return asyncio.run(run())


def sandbox_queries(args: argparse.Namespace, tmp: Path, receiver: h.Proc) -> dict[str, float]:
    seed = write_creates(tmp / "seed.jsonl", "Q", 5000, receiver.url + "/notify")
    queries = write_queries(tmp / "queries.jsonl", [f"Q{i:09d}" for i in range(5000)])
    with h.sandbox() as sandbox:
        wrk(sandbox.url + PAYOUTS, seed, 2, args.connections)
        wrk(sandbox.url + QUERIES, queries, args.warmup, args.connections)
        figures = measured(sandbox, sandbox.url + QUERIES, queries, args)
        print(f"  [queries] last answers by code {journal_codes(sandbox.url, 'queryPayOutResult')}")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--console-only", action="store_true", help="measure only the console's cost"
    )
    parser.add_argument("--console-rounds", type=int, default=4)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    print(f"machine: {h.machine()}")
    print(f"wrk -t1 -c{args.connections}, {args.duration:g} s per run after {args.warmup:g} s")
    with tempfile.TemporaryDirectory(prefix="vexora-bench-") as tmpdir, h.receiver() as rec:
        tmp = Path(tmpdir)
        console = console_cost(args, tmp, rec)
        verdict = h.verdict(console[1] >= CONSOLE_TARGET)
        print(
            f"console (median of each side): creates {console[0]:.2f} x quiet by req/s, "
            f"{console[1]:.2f} x by server CPU per request (fair on a busy machine); "
            f"target >= {CONSOLE_TARGET}: {verdict}"
        )
        if args.console_only:
            return 0
        base_bodies = write_creates(
            tmp / "baseline.jsonl", "B", int(args.duration * MAX_RATE), rec.url + "/notify"
        )
        with h.running([h.PYTHON, str(h.BENCH / "baseline.py")]) as base:
            wrk(base.url + PAYOUTS, base_bodies, args.warmup, args.connections)
            baseline = measured(base, base.url + PAYOUTS, base_bodies, args)
        live = sandbox_creates(args, tmp, rec, "live", manual=False)
        held = sandbox_creates(args, tmp, rec, "held", manual=True)
        query = sandbox_queries(args, tmp, rec)
    print("results:")
    show("baseline (bare aiohttp + json)", baseline)
    show("sandbox creates, callbacks live", live, baseline)
    show("sandbox creates, callbacks held", held, baseline)
    show("sandbox payout queries", query, baseline)
    print(
        "  by server CPU per request (fair on a busy machine): creates live "
        f"{baseline['cpu_us'] / live['cpu_us']:.2f} x baseline, held "
        f"{baseline['cpu_us'] / held['cpu_us']:.2f} x, queries "
        f"{baseline['cpu_us'] / query['cpu_us']:.2f} x"
    )
    ratio = live["rps"] / baseline["rps"]
    print(f"target: creates >= {TARGET} x baseline: {ratio:.2f} {h.verdict(ratio >= TARGET)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
