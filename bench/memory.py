"""Memory per stored order, and the journals staying within ``journal_size``.

Through the server, as it runs in use: ``vexora-sandbox serve`` (default scenario: a
SUCCESS callback 2 s after each payout, delivered to bench/receiver.py in another
process). First a warm-up fills both journals to their bound; then RSS (VmRSS of the
sandbox process) is read, 100,000 more payouts are created by an aiohttp client in this
process (64 at a time), every callback is let through, and RSS is read again. The growth
divided by the orders is what one stored order costs. Target: <= 2 KiB per order.
Run: ``.venv/bin/python bench/memory.py [--orders 100000] [--journal-size 10000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import _harness as h
import aiohttp

TARGET_KIB = 2.0


async def create(
    session: aiohttp.ClientSession, url: str, prefix: str, count: int, notify: str
) -> int:
    numbers = iter(range(count))
    ok = 0

    async def worker() -> None:
        nonlocal ok
        for n in numbers:
            async with session.post(
                url + "/v1/vexora/disbursements",
                json=h.payout(f"{prefix}{n:09d}", notify),
                headers={"merchantNo": h.MERCHANT_NO},
            ) as response:
                ok += (await response.json())["code"] == "0000"

    await asyncio.gather(*(worker() for _ in range(64)))
    return ok


async def admin(session: aiohttp.ClientSession, url: str, path: str) -> dict[str, Any]:
    async with session.get(url + path) as response:
        answer: dict[str, Any] = await response.json()
    return answer


async def drain(session: aiohttp.ClientSession, url: str) -> None:
    for _ in range(600):
        if (await admin(session, url, "/_sandbox/callbacks?tradeNo=-"))["pending"] == 0:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(1)


async def run(args: argparse.Namespace) -> int:
    with h.receiver() as rec, h.sandbox(journal_size=args.journal_size) as sandbox:
        notify = rec.url + "/notify"
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
            warm = await create(session, sandbox.url, "W", args.journal_size + 1000, notify)
            await drain(session, sandbox.url)
            before = sandbox.rss_kib()
            started = time.perf_counter()
            created = await create(session, sandbox.url, "M", args.orders, notify)
            took = time.perf_counter() - started
            await drain(session, sandbox.url)
            after = sandbox.rss_kib()
            requests = await admin(session, sandbox.url, "/_sandbox/requests")
            callbacks = await admin(session, sandbox.url, "/_sandbox/callbacks")
        peak = sandbox.peak_rss_kib()
    per_order = (after - before) / created
    print(f"warm-up: {warm:,} orders; measured: {created:,} orders in {took:.0f} s")
    print(
        f"RSS before {before / 1024:.1f} MiB, after {after / 1024:.1f} MiB, "
        f"peak {peak / 1024:.1f} MiB"
    )
    print(f"growth per stored order: {per_order:.2f} KiB ({per_order * 1024:.0f} bytes)")
    print(
        f"request journal: {requests['count']:,} entries kept (bound {args.journal_size:,}), "
        f"{requests['dropped']:,} dropped"
    )
    print(
        f"callback journal: {callbacks['count']:,} deliveries kept (bound "
        f"{args.journal_size:,}), {callbacks['dropped']:,} dropped, "
        f"{sum(1 for c in callbacks['callbacks'] if c['acknowledged']):,} acknowledged"
    )
    bounded = requests["count"] <= args.journal_size and callbacks["count"] <= args.journal_size
    print(f"journals within their bound: {h.verdict(bounded)}")
    print(f"target <= {TARGET_KIB:g} KiB per order: {h.verdict(per_order <= TARGET_KIB)}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--journal-size", type=int, default=10_000)
    args = parser.parse_args()
    print(f"machine: {h.machine()}")
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
