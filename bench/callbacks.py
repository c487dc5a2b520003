"""Callback delivery at scale: 10,000 callbacks falling due within the same second.

The orders are created as fast as the sandbox takes them (an aiohttp client in this
process, 64 at a time), in batches; each batch is matched by its own scenario (a
``tradeNo`` prefix) whose ``after`` is shorter the later the batch is created, so all the
callbacks fall due within about a second of each other, a few seconds after the last order.
Among them are orders whose notifyUrl is dead: a 127.0.0.1 port with nothing listening,
and a path where the receiver never answers (``callback_timeout`` 10 s holds a slot each).

Every other callback goes to bench/receiver.py in another process, which answers ``OK``.
Lateness is the first attempt's time minus the due time, both from GET /_sandbox/callbacks
(``attempts[0].at - dueAt``). Also printed: delivered count (must be all), the spread of the
due times, and the sandbox's peak RSS. Targets: nothing lost, p99 lateness <= 100 ms, the
dead URLs slowing nobody. Run: ``.venv/bin/python bench/callbacks.py [--orders 10000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

import _harness as h
import aiohttp

TARGET_P99_MS = 100.0
BATCHES = 20
LEAD = 4.0  # seconds between the last order and the common due time


def scenarios(afters: list[float]) -> str:
    lines = []
    for batch, after in enumerate(afters):
        lines += [
            f"- name: batch-{batch:02d}",
            "  match:",
            "    endpoint: disbursements",
            f'    body: {{tradeNo: {{prefix: "C{batch:02d}-"}}}}',
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


async def run(args: argparse.Namespace, tmp: Path) -> int:
    scenario_file = tmp / "scenarios.yaml"
    per_batch = args.orders // BATCHES
    # Placeholders: the afters are set once the creation rate is measured (then reloaded).
    scenario_file.write_text(scenarios([60.0] * BATCHES))
    with (
        h.receiver("--hang", "/hang") as rec,
        h.sandbox(scenarios=scenario_file, journal_size=args.orders * 3) as sandbox,
    ):
        dead = f"http://127.0.0.1:{dead_port()}/notify"
        connector = aiohttp.TCPConnector(limit=64)
        async with aiohttp.ClientSession(connector=connector) as session:
            warm = [h.payout(f"WARM{i}", rec.url + "/warm") for i in range(per_batch)]
            started = time.perf_counter()
            await create(session, sandbox.url, warm)
            batch_seconds = (time.perf_counter() - started) * 1.02
            # Batch k is created about k * batch_seconds from now; its after makes it due
            # at the same moment as the others: LEAD seconds after the last batch.
            total = batch_seconds * BATCHES
            afters = [total - k * batch_seconds + LEAD for k in range(BATCHES)]
            scenario_file.write_text(scenarios(afters))
            async with session.post(sandbox.url + "/_sandbox/scenarios/reload") as response:
                assert response.status == 200, await response.text()
            created = 0
            dead_ones: set[str] = set()
            began = time.perf_counter()
            for batch in range(BATCHES):
                bodies = []
                for i in range(per_batch):
                    trade_no = f"C{batch:02d}-{i:06d}"
                    url = rec.url + "/notify"
                    if i < args.dead and batch in (0, BATCHES // 2):
                        url = dead if batch == 0 else rec.url + "/hang"
                        dead_ones.add(trade_no)
                    bodies.append(h.payout(trade_no, url))
                # Keep to the schedule the afters assumed.
                lag = began + batch * batch_seconds - time.perf_counter()
                if lag > 0:
                    await asyncio.sleep(lag)
                created += await create(session, sandbox.url, bodies)
            creating = time.perf_counter() - began
            # Wait for every live callback to be acknowledged (or 60 s).
            expected = created - len(dead_ones)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                async with session.get(rec.url + "/_stats") as response:
                    stats = json.loads(await response.read())
                got = sum(1 for t in stats["arrivals"] if t.startswith("C"))
                if got >= expected:
                    break
                await asyncio.sleep(0.25)
            async with session.get(sandbox.url + "/_sandbox/callbacks") as response:
                journal: dict[str, Any] = await response.json()
        peak = sandbox.peak_rss_kib()
    deliveries = [d for d in journal["callbacks"] if d["tradeNo"].startswith("C")]
    live = [d for d in deliveries if d["tradeNo"] not in dead_ones]
    dead_attempts = [d for d in deliveries if d["tradeNo"] in dead_ones and d["attempts"]]
    late = [d["attempts"][0]["at"] - d["dueAt"] for d in live if d["attempts"]]
    acked = sum(1 for d in live if d["acknowledged"])
    due = [d["dueAt"] for d in live]
    receivers_count = sum(len(v) for t, v in stats["arrivals"].items() if t.startswith("C"))
    p50, p99 = h.percentile(late, 50), h.percentile(late, 99)
    print(
        f"orders created: {created:,} in {creating:.1f} s ({created / creating:,.0f}/s), "
        f"{len(dead_ones)} with a dead notifyUrl (half refused, half hanging)"
    )
    print(f"due times of the live callbacks span {(max(due) - min(due)) / 1000:.2f} s")
    print(
        f"delivered and acknowledged: {acked:,} of {len(live):,} "
        f"(receiver counted {receivers_count:,} callbacks, {got:,} orders)"
    )
    print(
        f"dead URLs: {len(dead_attempts)} attempts finished so far; errors: "
        + ", ".join(sorted({str(d["attempts"][0]["error"])[:50] for d in dead_attempts}))
    )
    print(
        f"lateness (first attempt - due): p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
        f"max {max(late):.0f} ms"
    )
    print(f"sandbox peak RSS: {peak / 1024:.1f} MiB")
    ok = acked == len(live) == expected and p99 <= TARGET_P99_MS
    print(f"target: all delivered, p99 <= {TARGET_P99_MS:g} ms: {h.verdict(ok)}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--dead", type=int, default=5, help="dead notifyUrls of each kind")
    args = parser.parse_args()
    print(f"machine: {h.machine()}")
    with tempfile.TemporaryDirectory(prefix="vexora-bench-") as tmp:
        return asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    raise SystemExit(main())
