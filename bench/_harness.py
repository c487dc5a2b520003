"""Shared by the bench scripts: start and stop servers on 127.0.0.1, read /proc, report.

Every process started here is a child of the bench script, bound to 127.0.0.1, and is
stopped (SIGTERM, then SIGKILL after a grace period) when the script ends.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
SANDBOX = [PYTHON, "-m", "vexora_sandbox"]
MERCHANT_NO = "0000000001"
SECRET = "sandbox-secret"
_URL = re.compile(r"serving on (http://\S+)")
# The server under test gets one core, the load generator (and receiver) the other, when
# the machine has two and taskset is there; otherwise they share, and the figures say so.
SERVER_CPU, LOAD_CPU = 0, 1


def pinned(args: Sequence[str], cpu: int) -> list[str]:
    """``args`` run on one core (``taskset -c CPU``), or as they are where that cannot be."""
    if shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        return list(args)
    return ["taskset", "-c", str(cpu), *args]


def pinning() -> str:
    if pinned(["x"], 0) == ["x"]:
        return "not pinned (taskset missing or one core): server and load share the CPUs"
    return f"server pinned to CPU {SERVER_CPU}, load generator and receiver to CPU {LOAD_CPU}"


def sign(body: dict[str, str]) -> str:
    """The gateway's sign with the default merchant's secret (stdlib only, like a client)."""
    base = "".join(f"{k}={body[k]}" for k in sorted(body) if body[k] != "")
    return hashlib.md5((base + SECRET).encode()).hexdigest()


def payout(trade_no: str, notify_url: str, timestamp: str | None = None) -> dict[str, str]:
    """A signed default-area disbursement body."""
    body = {
        "tradeNo": trade_no,
        "amount": "150",
        "accountNo": "880123456789012345",
        "mobile": "0912345678",
        "email": "rizky.pratama@example.com",
        "firstname": "Rizky",
        "lastname": "Pratama",
        "notifyUrl": notify_url,
        "timestamp": timestamp or str(int(time.time() * 1000)),
    }
    return {**body, "sign": sign(body)}


def machine() -> str:
    """One line naming the machine the figures come from."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average {load:.2f} at start"
    )


class Proc:
    """A child process that listens on a URL it prints on its first line(s)."""

    def __init__(
        self, args: Sequence[str], *, env: dict[str, str] | None = None, quiet: bool = False
    ) -> None:
        self.args = list(args)
        # quiet: output discarded, for a server that logs much and prints no URL (WireMock).
        output = subprocess.DEVNULL if quiet else subprocess.PIPE
        self.popen = subprocess.Popen(
            self.args,
            stdout=output,
            stderr=output,
            text=True,
            env={**os.environ, **(env or {})},
            cwd=ROOT,
        )
        self.url = ""

    @property
    def pid(self) -> int:
        return self.popen.pid

    def wait_url(self, timeout: float = 20) -> str:
        """Read stdout until a line says ``serving on URL``."""
        deadline = time.monotonic() + timeout
        assert self.popen.stdout is not None
        while time.monotonic() < deadline:
            line = self.popen.stdout.readline()
            if not line:
                raise RuntimeError(f"{self.args} exited: {self.stderr_tail()}")
            match = _URL.search(line)
            if match:
                self.url = match.group(1)
                return self.url
        raise TimeoutError(f"{self.args} printed no URL within {timeout} s")

    def stderr_tail(self) -> str:
        if self.popen.poll() is None or self.popen.stderr is None:
            return ""
        return self.popen.stderr.read()[-2000:]

    def peak_rss_kib(self) -> int:
        """VmHWM: the peak resident set size of the process so far."""
        return _status_kib(self.pid, "VmHWM")

    def rss_kib(self) -> int:
        return _status_kib(self.pid, "VmRSS")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def stop(self, grace: float = 5) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        for stream in (self.popen.stdout, self.popen.stderr):
            if stream is not None:
                stream.close()
        return self.popen.returncode


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def wait_http(url: str, timeout: float = 60) -> None:
    """Poll ``url`` until it answers 200 (for servers that print no URL, such as WireMock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as answer:
            if answer.status == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def free_port() -> int:
    """A 127.0.0.1 port free now (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running(
    args: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 20
) -> Iterator[Proc]:
    proc = Proc(args, env=env)
    try:
        proc.wait_url(timeout)
        yield proc
    finally:
        proc.stop()


def sandbox_env(**settings: object) -> dict[str, str]:
    """VEXORA_SANDBOX_<NAME> variables for ``serve``."""
    # Quiet: nobody reads the console's lines here; throughput.py measures it on its own.
    env = {"VEXORA_SANDBOX_LOG_LEVEL": "warning", "VEXORA_SANDBOX_QUIET": "true"}
    env.update({f"VEXORA_SANDBOX_{k.upper()}": str(v) for k, v in settings.items()})
    return env


def sandbox(**settings: object) -> contextlib.AbstractContextManager[Proc]:
    """``vexora-sandbox serve --port 0`` with these settings, pinned, until the block ends."""
    command = pinned([*SANDBOX, "serve", "--port", "0"], SERVER_CPU)
    return running(command, env=sandbox_env(**settings))


def receiver(*extra: str) -> contextlib.AbstractContextManager[Proc]:
    """bench/receiver.py: answers every callback ``OK`` and counts them."""
    return running(pinned([PYTHON, str(BENCH / "receiver.py"), *extra], LOAD_CPU))


def get_json(url: str, timeout: float = 60) -> object:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def post_json(url: str, payload: object, timeout: float = 60) -> object:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def post_all(url: str, bodies: Sequence[dict[str, str]], concurrency: int = 64) -> dict[str, int]:
    """POST every body to ``url`` (``concurrency`` at a time); the answers counted by code."""
    import asyncio

    import aiohttp

    codes: dict[str, int] = {}

    async def run() -> None:
        queue = iter(bodies)
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def worker() -> None:
                for body in queue:
                    async with session.post(
                        url, json=body, headers={"merchantNo": MERCHANT_NO}
                    ) as response:
                        code = str((await response.json()).get("code"))
                        codes[code] = codes.get(code, 0) + 1

            await asyncio.gather(*(worker() for _ in range(concurrency)))

    asyncio.run(run())
    return codes
