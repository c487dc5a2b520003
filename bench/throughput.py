"""Throughput side by side: the sandbox, a bare aiohttp handler and WireMock, in one run.

The same load generator (wrk, one thread, bench/bodies.lua cycling through pre-signed
bodies with unique tradeNos) drives, in turn, each target pinned to one core (wrk and the
callback receiver on the other, when ``taskset`` is there):

* bare aiohttp handler: bench/baseline.py parses the JSON and returns a fixed envelope;
* WireMock standalone (the npm package ``wiremock`` ships its jar; Java 17+), one
  templated stub answering like a payout create (bench/wiremock/mappings/payout.json:
  the request's tradeNo, a random platform number, the time), warmed up longer for its JIT;
* sandbox creates, callbacks live: ``vexora-sandbox serve`` with the default scenario, so
  each payout's SUCCESS callback falls due 2 s later and is delivered, during the run, to
  bench/receiver.py in another process answering ``OK``;
* sandbox creates, callbacks to a closed port: the same, every notifyUrl refused;
* sandbox creates, callbacks held: ``--clock manual``, so callbacks wait until the window
  closes (then one clock advance delivers them all): the request path alone;
* with uvloop installed (the ``speed`` extra), the live and held creates again on
  asyncio's loop (bench/asyncio_only hides uvloop), to measure what it pays;
* sandbox queries: ``queryPayOutResult`` for a fixed number of orders created before, with
  every answer checked to be ``0000``.

A peer that is not installed (WireMock jar, Java) is skipped with a line saying so. Each
target is measured ``--rounds`` times (rounds interleaved); the medians are printed with the
server's CPU time per request (from /proc, all threads), which compares fairly even when
other work shares the machine, and the ratios to the bare handler and to WireMock.
Checks: creates and queries answered ``0000`` (request journal), callbacks received and
acknowledged. Goals (issue 15): live creates >= 1.5 x WireMock and >= 0.5 x bare, held
>= 0.6 x bare. Needs ``wrk`` (Debian: apt-get install wrk).
Run: ``.venv/bin/python bench/throughput.py [--duration 10] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import _harness as h

MAX_RATE = 25_000  # bodies generated per second of run: more than this machine can serve
LUA = h.BENCH / "bodies.lua"
PAYOUTS = "/v1/vexora/disbursements"
QUERIES = "/v1/vexora/queryPayOutResult"
QUERY_ORDERS = 5_000
JIT_WARMUP = 20.0
WIREMOCK_JARS = [
    str(h.BENCH / ".peers/node_modules/wiremock/build/wiremock-standalone-*.jar"),
    "/usr/lib/node_modules/wiremock/build/wiremock-standalone-*.jar",
    "/usr/local/lib/node_modules/wiremock/build/wiremock-standalone-*.jar",
]
Figures = dict[str, float]
Target = Callable[[], "Figures | None"]


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


def wrk(url: str, bodies: Path, seconds: float, connections: int) -> Figures:
    command = [
        "wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s",
        "-s", str(LUA), url, "--", str(bodies), h.MERCHANT_NO, "1",
    ]  # fmt: skip
    command = h.pinned(command, h.LOAD_CPU)
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr}")
    figures: Figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(
        int(v) for k, v in list(figures.items()) if k.endswith("_errors") or k == "timeouts"
    )
    return figures


def measured(proc: h.Proc, url: str, bodies: Path, args: argparse.Namespace) -> Figures:
    """One wrk run, with the server's CPU time per request."""
    cpu = proc.cpu_seconds()
    figures = wrk(url, bodies, args.duration, args.connections)
    figures["cpu_us"] = (proc.cpu_seconds() - cpu) / max(figures["requests"], 1) * 1e6
    if figures["requests"] >= args.duration * MAX_RATE:
        print("  warning: ran out of bodies; tradeNos repeated")
    return figures


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


class Bench:
    """The targets: each method measures one and returns its figures (None: skipped)."""

    def __init__(self, args: argparse.Namespace, tmp: Path, receiver: h.Proc) -> None:
        self.args, self.tmp, self.receiver = args, tmp, receiver
        self.problems: list[str] = []

    def bodies(self, label: str, notify: str, seconds: float) -> Path:
        prefix = label.upper()[:2] + str(len(list(self.tmp.iterdir())))
        return write_creates(self.tmp / f"{prefix}.jsonl", prefix, int(seconds * MAX_RATE), notify)

    def bare(self) -> Figures:
        notify = self.receiver.url + "/notify"
        command = h.pinned([h.PYTHON, str(h.BENCH / "baseline.py")], h.SERVER_CPU)
        with h.running(command) as base:
            warm = self.bodies("bare", notify, self.args.warmup)
            wrk(base.url + PAYOUTS, warm, self.args.warmup, self.args.connections)
            bodies = self.bodies("bare", notify, self.args.duration)
            return measured(base, base.url + PAYOUTS, bodies, self.args)

    def wiremock(self) -> Figures | None:
        jar = find_wiremock(self.args.wiremock_jar)
        if jar is None or shutil.which("java") is None:
            return None
        port = h.free_port()
        # No request journal: a bounded one (--max-request-journal-entries 10000) cost
        # WireMock 4-6 ms of CPU per request here; without, it is at its fastest.
        command = [
            "java", "-jar", jar, "--port", str(port), "--bind-address", "127.0.0.1",
            "--root-dir", str(h.BENCH / "wiremock"), "--disable-banner",
            "--no-request-journal",
        ]  # fmt: skip
        proc = h.Proc(h.pinned(command, h.SERVER_CPU), quiet=True)
        try:
            url = f"http://127.0.0.1:{port}"
            h.wait_http(url + "/__admin/health")
            notify = self.receiver.url + "/notify"
            # Its JIT needs ~20 s of load here before the rate settles (355 -> 3,179 req/s
            # over four 5 s runs); measured after that, WireMock at its best.
            jit = max(JIT_WARMUP, self.args.warmup)
            wrk(url + PAYOUTS, self.bodies("wm", notify, jit), jit, self.args.connections)
            bodies = self.bodies("wm", notify, self.args.duration)
            figures = measured(proc, url + PAYOUTS, bodies, self.args)
            check = h.post_all(url + PAYOUTS, [h.payout("WMCHECK", notify)])
            if check != {"0000": 1}:
                self.problems.append(f"WireMock stub answered {check}")
            return figures
        finally:
            proc.stop()

    def creates(
        self, label: str, *, manual: bool = False, refused: bool = False, asyncio: bool = False
    ) -> Figures:
        """Warm up, measure creates; then check the answers and the callbacks."""
        settings = {"clock": "manual"} if manual else {}
        env = h.sandbox_env(**settings)
        if asyncio:  # serve on asyncio's loop although uvloop is installed
            env["PYTHONPATH"] = str(h.BENCH / "asyncio_only")
        notify = self.receiver.url + "/notify"
        if refused:
            notify = f"http://127.0.0.1:{h.free_port()}/notify"
        warm = self.bodies(label, notify, self.args.warmup)
        bodies = self.bodies(label, notify, self.args.duration)
        prefix = bodies.stem
        command = h.pinned([*h.SANDBOX, "serve", "--port", "0"], h.SERVER_CPU)
        with h.running(command, env=env) as sandbox:
            wrk(sandbox.url + PAYOUTS, warm, self.args.warmup, self.args.connections)
            figures = measured(sandbox, sandbox.url + PAYOUTS, bodies, self.args)
            codes = journal_codes(sandbox.url, "disbursements")
            if set(codes) != {"0000"}:
                self.problems.append(f"{label}: answers by code {codes}")
            if refused:
                print(f"  [{label}] last {sum(codes.values())} answers by code {codes}")
                return figures
            if manual:
                h.post_json(f"{sandbox.url}/_sandbox/clock/advance", {"seconds": 3}, timeout=300)
            drained = drain_callbacks(sandbox.url, self.receiver, prefix, 180)
            print(f"  [{label}] last {sum(codes.values())} answers by code {codes}; {drained}")
        return figures

    def queries(self) -> Figures:
        """Queries for a fixed set of orders, created first; every answer must be 0000."""
        notify = self.receiver.url + "/notify"
        trade_nos = [f"QS{i:09d}" for i in range(QUERY_ORDERS)]
        seed = [h.payout(t, notify) for t in trade_nos]
        queries = write_queries(self.tmp / "queries.jsonl", trade_nos)
        # Manual clock: no callback falls due during the run; the journal holds every answer.
        journal = int((self.args.duration + self.args.warmup) * MAX_RATE)
        with h.sandbox(clock="manual", journal_size=journal) as sandbox:
            created = h.post_all(sandbox.url + PAYOUTS, seed)
            if created != {"0000": QUERY_ORDERS}:
                self.problems.append(f"queries: seeding answered {created}")
            wrk(sandbox.url + QUERIES, queries, self.args.warmup, self.args.connections)
            figures = measured(sandbox, sandbox.url + QUERIES, queries, self.args)
            codes = journal_codes(sandbox.url, "queryPayOutResult")
        answered = sum(codes.values())
        if set(codes) != {"0000"}:
            self.problems.append(f"queries: answers by code {codes}")
        print(f"  [queries] {QUERY_ORDERS:,} orders seeded; {answered:,} answers by code {codes}")
        return figures


def find_wiremock(given: str | None) -> str | None:
    candidates = [given] if given else []
    candidates += [os.environ.get("WIREMOCK_JAR", "")]
    for pattern in WIREMOCK_JARS:
        candidates += sorted(glob.glob(pattern))
    return next((c for c in candidates if c and Path(c).is_file()), None)


def median_of(rounds: list[Figures]) -> Figures:
    return {k: h.median([r[k] for r in rounds]) for k in rounds[0]}


def ratio(f: Figures, of: Figures | None) -> str:
    return f"{f['rps'] / of['rps']:5.2f}" if of else "    -"


def table(results: dict[str, Figures], bare: Figures, wm: Figures | None) -> None:
    print(
        f"  {'target':<40} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'CPU us/req':>10} "
        f"{'errors':>6} {'vs bare':>7} {'vs WireMock':>11}"
    )
    for name, f in results.items():
        print(
            f"  {name:<40} {f['rps']:>7,.0f} {f['p50_us'] / 1000:>7.2f} "
            f"{f['p99_us'] / 1000:>7.2f} {f['cpu_us']:>10.0f} {int(f['errors']):>6} "
            f"{ratio(f, bare):>7} {ratio(f, wm):>11}"
        )


def spreads(rounds: dict[str, list[Figures]]) -> None:
    """Each round's req/s and CPU per request, and its ratio to the bare handler's round."""
    bare = rounds["bare aiohttp handler"]
    print("rounds (req/s, CPU us per request, req/s ratio to that round's bare handler):")
    for name, figures in rounds.items():
        cells = [
            f"{f['rps']:,.0f}/{f['cpu_us']:.0f}/{f['rps'] / b['rps']:.2f}"
            for f, b in zip(figures, bare, strict=False)
        ]
        print(f"  {name:<40} {'  '.join(cells)}")


def goals(results: dict[str, Figures], bare: Figures, wm: Figures | None) -> None:
    live = results.get("sandbox creates, callbacks live")
    held = results.get("sandbox creates, callbacks held")
    checks = []
    if live:
        checks.append(("live creates >= 0.5 x bare", live["rps"] / bare["rps"], 0.5))
    if held:
        checks.append(("held creates >= 0.6 x bare", held["rps"] / bare["rps"], 0.6))
    if wm and live:
        checks.insert(0, ("live creates >= 1.5 x WireMock", live["rps"] / wm["rps"], 1.5))
    for name, value, target in checks:
        print(f"goal: {name}: {value:.2f} {h.verdict(value >= target)}")
    print("by server CPU per request (fair on a busy machine), bare's CPU / target's:")
    for name, f in results.items():
        print(f"  {name:<40} {bare['cpu_us'] / f['cpu_us']:5.2f}")


def select(bench: Bench, uvloop: bool, only: str | None) -> dict[str, Target]:
    """The targets to run, by their short names (all of them when ``only`` is None)."""
    targets: dict[str, tuple[str, Target]] = {
        "bare": ("bare aiohttp handler", bench.bare),
        "wiremock": ("WireMock templated stub", bench.wiremock),
        "live": ("sandbox creates, callbacks live", lambda: bench.creates("live")),
        "refused": (
            "sandbox creates, callbacks refused",
            lambda: bench.creates("refused", refused=True),
        ),
        "held": ("sandbox creates, callbacks held", lambda: bench.creates("held", manual=True)),
    }
    if uvloop:
        targets["alive"] = (
            "sandbox creates, live, asyncio loop",
            lambda: bench.creates("alive", asyncio=True),
        )
        targets["aheld"] = (
            "sandbox creates, held, asyncio loop",
            lambda: bench.creates("aheld", manual=True, asyncio=True),
        )
    targets["queries"] = ("sandbox payout queries", bench.queries)
    wanted = set(targets) if only is None else {"bare", *only.split(",")}
    unknown = wanted - set(targets)
    if unknown:
        raise SystemExit(f"unknown targets: {', '.join(sorted(unknown))}")
    return {name: target for key, (name, target) in targets.items() if key in wanted}


@contextmanager
def pinned_self() -> Iterator[None]:
    """This script (which spawns wrk and the receiver) runs on the load core."""
    with suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {h.LOAD_CPU})
    yield


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=1, help="medians of this many rounds")
    parser.add_argument("--wiremock-jar", help="wiremock-standalone-*.jar (else looked for)")
    parser.add_argument(
        "--only",
        help="comma-separated targets to run (bare,wiremock,live,refused,held,alive,aheld,"
        "queries); the bare handler always runs: every ratio is against it",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    print(f"machine: {h.machine()}")
    print(f"{h.pinning()}; wrk -t1 -c{args.connections}, {args.duration:g} s per run after "
          f"{args.warmup:g} s warm-up, {args.rounds} round(s), medians")  # fmt: skip
    jar = find_wiremock(args.wiremock_jar)
    if jar is None or shutil.which("java") is None:
        print(
            "skipped: WireMock (needs java and the standalone jar: "
            "npm install --prefix bench/.peers wiremock, or --wiremock-jar PATH)"
        )
    else:
        print(f"WireMock: {Path(jar).name}, templated stub bench/wiremock/mappings/payout.json")
    uvloop = importlib.util.find_spec("uvloop") is not None
    print(
        "event loop: uvloop (the speed extra); the asyncio-loop rows hide it"
        if uvloop
        else "event loop: asyncio (uvloop not installed: pip install '.[speed]' to compare)"
    )
    rounds: dict[str, list[Figures]] = {}
    with (
        pinned_self(),
        tempfile.TemporaryDirectory(prefix="vexora-bench-") as tmpdir,
        h.receiver() as rec,
    ):
        bench = Bench(args, Path(tmpdir), rec)
        targets = select(bench, uvloop, args.only)
        for number in range(args.rounds):
            print(f"round {number + 1}:")
            for name, target in targets.items():
                figures = target()
                if figures is not None:
                    rounds.setdefault(name, []).append(figures)
    results = {name: median_of(r) for name, r in rounds.items()}
    bare, wm = results["bare aiohttp handler"], results.get("WireMock templated stub")
    print("results (medians):")
    table(results, bare, wm)
    if args.rounds > 1:
        spreads(rounds)
    goals(results, bare, wm)
    for problem in bench.problems:
        print(f"CHECK FAILED: {problem}")
    return 1 if bench.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
