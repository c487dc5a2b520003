"""The baseline: a bare aiohttp handler that parses the JSON body and returns a fixed envelope.

What the sandbox is compared with in bench/throughput.py (the issue's "bare aiohttp
handler"). Prints ``serving on URL``; stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import asyncio
import json
import signal

from aiohttp import web

ENVELOPE = json.dumps(
    {
        "msg": "success",
        "code": "0000",
        "timestamp": 1764000000000,
        "success": True,
        "data": {"tradeNo": "T1", "platFormTradeNo": "VXP1", "status": "0015"},
    }
).encode()


async def handle(request: web.Request) -> web.Response:
    json.loads(await request.read())
    return web.Response(body=ENVELOPE, content_type="application/json")


async def main() -> None:
    app = web.Application()
    app.router.add_post("/v1/vexora/{endpoint}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"serving on http://127.0.0.1:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
