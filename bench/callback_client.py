"""The callback client's cost where it now runs (the delivery process): ours vs aiohttp's.

Both POST the same signed callback body to bench/receiver.py (its own process, on the
other core), ``--concurrency`` at a time over keep-alive connections, ``--posts`` in all,
and the CPU time of this process is divided by the count. aiohttp's ``ClientSession`` is
tuned as it would be for the job: ``limit_per_host`` as the lanes allow one destination
(half the slots), no redirects, the answer read up to the limit, no cookie jar, no
decompression. Also printed: the import time of each (the delivery process pays it at its
start). Rounds alternate; medians.
Run: ``.venv/bin/python bench/callback_client.py [--posts 10000] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import time
from collections.abc import Awaitable, Callable

import _harness as h

from vexora_sandbox import eventloop
from vexora_sandbox.callbacks.http import Client

BODY = (
    b'{"platFormTradeNo":"VXP00000000010abcdef","tradeNo":"C000-000001","amount":"150",'
    b'"status":"0000","message":"SUCCESS","timestamp":"1764000000000","successTime":'
    b'"2025-11-24 16:00:00","sign":"0123456789abcdef0123456789abcdef"}'
)
LIMIT = 64 * 1024


async def ours(url: str, posts: int, concurrency: int) -> int:
    client = Client(max_idle_per_destination=concurrency)
    ok = 0

    async def worker(count: int) -> None:
        nonlocal ok
        for _ in range(count):
            answer = await client.post(url, BODY, timeout=10, max_response=LIMIT)
            ok += answer.status == 200 and answer.body == b"OK"

    await asyncio.gather(*(worker(posts // concurrency) for _ in range(concurrency)))
    await client.close()
    return ok


async def theirs(url: str, posts: int, concurrency: int) -> int:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=0, limit_per_host=concurrency)
    headers = {"Content-Type": "application/json"}
    ok = 0
    async with aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        timeout=aiohttp.ClientTimeout(total=10),
    ) as session:

        async def worker(count: int) -> None:
            nonlocal ok
            for _ in range(count):
                async with session.post(
                    url, data=BODY, headers=headers, allow_redirects=False
                ) as response:
                    body = await response.content.read(LIMIT)
                    ok += response.status == 200 and body == b"OK"

        await asyncio.gather(*(worker(posts // concurrency) for _ in range(concurrency)))
    return ok


def measure(
    run: Callable[[str, int, int], Awaitable[int]], url: str, posts: int, concurrency: int
) -> tuple[float, float]:
    """(CPU us per POST, POSTs per second) of one run; every POST must be answered OK."""
    ok: list[int] = []

    async def one() -> None:
        ok.append(await run(url, posts, concurrency))

    started, wall = time.process_time(), time.perf_counter()
    eventloop.run(one())
    seconds = time.perf_counter() - wall
    assert ok == [posts // concurrency * concurrency], ok
    return (time.process_time() - started) / posts * 1e6, posts / seconds


def import_seconds(module: str) -> float:
    """A fresh interpreter's time to import ``module`` (minus a bare start)."""
    script = (
        f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    )
    done = subprocess.run([h.PYTHON, "-c", script], capture_output=True, text=True, check=True)
    return float(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {h.machine()}; this process on CPU {h.SERVER_CPU}, receiver on {h.LOAD_CPU}")
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {h.SERVER_CPU})
    cpu: dict[str, list[float]] = {"callbacks/http.py": [], "aiohttp ClientSession": []}
    rate: dict[str, list[float]] = {k: [] for k in cpu}
    with h.receiver() as rec:
        url = rec.url + "/notify"
        for _ in range(args.rounds):
            for name, run in (("callbacks/http.py", ours), ("aiohttp ClientSession", theirs)):
                per_post, per_second = measure(run, url, args.posts, args.concurrency)
                cpu[name].append(per_post)
                rate[name].append(per_second)
    imports = {
        "callbacks/http.py": h.median(
            [import_seconds("vexora_sandbox.callbacks.http") for _ in range(3)]
        ),
        "aiohttp ClientSession": h.median([import_seconds("aiohttp") for _ in range(3)]),
    }
    print(f"\n{args.posts:,} POSTs per run, {args.concurrency} at a time, {args.rounds} runs each")
    print("client                  CPU per POST, median (min-max)   POST/s, median   import")
    for name in cpu:
        c = cpu[name]
        print(
            f"{name:<23} {h.median(c):6.1f} us ({min(c):.1f}-{max(c):.1f}){'':>12}"
            f"{h.median(rate[name]):8,.0f}   {imports[name] * 1000:5.0f} ms"
        )
    ratio = h.median(cpu["aiohttp ClientSession"]) / h.median(cpu["callbacks/http.py"])
    print(f"aiohttp / ours, CPU per POST: {ratio:.2f} x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
