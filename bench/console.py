"""The live console's cost: held creates with the console off and on, side by side.

``serve`` prints a line per gateway call and per callback attempt; this measures what that
costs a create. Held creates (manual clock: the request path alone), once ``--quiet`` and
once printing to a pipe this script reads (as a terminal would), alternated over
``--console-rounds`` rounds because the machine's load drifts; each side's median, the
ratios by req/s and by the server's CPU per request, and one line's CPU measured alone
(steadier than the end-to-end runs on a busy machine). Target (issue 12): creates >= 0.95 x
the quiet ones, by CPU per request. Needs ``wrk`` (Debian: apt-get install wrk).
Run: ``.venv/bin/python bench/console.py [--duration 10] [--console-rounds 4]``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import _harness as h
import throughput as t

CONSOLE_TARGET = 0.95


def show(name: str, f: t.Figures) -> None:
    print(
        f"  {name:<36} {f['rps']:>7,.0f} req/s  p99 {f['p99_us'] / 1000:6.2f} ms  "
        f"CPU {f['cpu_us']:4.0f} us/req  errors {int(f['errors'])}"
    )


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
            count = int(args.duration * t.MAX_RATE)
            warm = t.write_creates(
                tmp / "c-w.jsonl", prefix + "W", int(args.warmup * t.MAX_RATE), notify
            )
            bodies = t.write_creates(tmp / "c.jsonl", prefix + "M", count, notify)
            with h.sandbox(clock="manual", quiet=quiet) as sandbox:
                printed = [0]

                def read(proc: h.Proc = sandbox, printed: list[int] = printed) -> None:
                    assert proc.popen.stdout is not None
                    for _ in proc.popen.stdout:
                        printed[0] += 1

                threading.Thread(target=read, daemon=True).start()
                t.wrk(sandbox.url + t.PAYOUTS, warm, args.warmup, args.connections)
                figures = t.measured(sandbox, sandbox.url + t.PAYOUTS, bodies, args)
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
        "time": int(time.time() * 1000), "method": "POST", "path": t.PAYOUTS,
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--console-rounds", type=int, default=4)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    print(f"machine: {h.machine()}")
    with tempfile.TemporaryDirectory(prefix="vexora-bench-") as tmpdir, h.receiver() as rec:
        rps, cpu = console_cost(args, Path(tmpdir), rec)
    verdict = h.verdict(cpu >= CONSOLE_TARGET)
    print(
        f"console (median of each side): creates {rps:.2f} x quiet by req/s, "
        f"{cpu:.2f} x by server CPU per request (fair on a busy machine); "
        f"target >= {CONSOLE_TARGET}: {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
