"""The sandbox with a clock that is held while orders are created, then released to run.

For bench/callbacks.py: while held, business time stands still (a manual clock), so every
order gets the same creation time and its callback's due time is exactly that time plus its
scenario's ``after``: the due times are what the bench sets, whatever the creation rate.
``POST /_bench/release`` lets the clock run in real time from where it stood, and the
dispatcher delivers as it would with the system clock. The answer gives ``shift``: business
time = wall time - shift, to compare the receiver's wall-clock arrivals with due times.

Settings come from the VEXORA_SANDBOX_* environment, as for ``serve``. Prints
``serving on URL``; stops on SIGTERM/SIGINT. With ``BENCH_PROFILE=FILE``, the serving
process is profiled (cProfile) from the release to the stop, and the stats written to FILE.
"""

from __future__ import annotations

import cProfile
import os
import time

from aiohttp import web

from vexora_sandbox import eventloop, keys
from vexora_sandbox.app import create_app
from vexora_sandbox.config import load_config
from vexora_sandbox.server import Listening, serve_until_signal


class HeldClock:
    """Manual (standing still) until ``release``; then the wall clock less a fixed shift."""

    def __init__(self) -> None:
        self.manual = True
        self._held = time.time()
        self.shift = 0.0

    def now(self) -> float:
        return self._held if self.manual else time.time() - self.shift

    def set(self, when: float) -> None:  # what the dispatcher's advance() calls
        self._held = max(self._held, when)

    def release(self) -> float:
        self.shift = time.time() - self._held
        self.manual = False
        return self.shift


async def release(request: web.Request) -> web.Response:
    clock = request.app[CLOCK]
    shift = clock.release()
    # The dispatcher sleeps without a timeout while the clock is manual; a cancel wakes it
    # (a merchant that has no callbacks: nothing is dropped).
    request.app[keys.DISPATCHER].cancel_merchant("-")
    if PROFILE is not None:
        PROFILE.enable()
    return web.json_response({"shift": shift, "now": clock.now()})


CLOCK = web.AppKey("bench.held_clock", HeldClock)
PROFILE = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None


def main() -> None:
    clock = HeldClock()
    app = create_app(load_config({}, os.environ), clock=clock)
    app[CLOCK] = clock
    app.router.add_post("/_bench/release", release)

    def ready(listening: Listening) -> None:
        print(f"serving on {listening.url}", flush=True)

    eventloop.run(serve_until_signal(app, "127.0.0.1", 0, ready))  # as `serve` does
    if PROFILE is not None:
        PROFILE.disable()
        PROFILE.dump_stats(os.environ["BENCH_PROFILE"])


if __name__ == "__main__":
    main()
