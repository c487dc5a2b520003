"""Start-up time: process start to the first healthy answer of ``vexora-sandbox serve --port 0``.

Median of several runs, next to ``python -c pass`` on the same interpreter as the
baseline, and the import of ``aiohttp.web`` alone (with the two client SSL contexts that
import builds) to show what is aiohttp's and what is the sandbox's. Target: under 0.5 s.
Run: ``.venv/bin/python bench/startup.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import _harness as h

TARGET = 0.5


def _command() -> list[str]:
    script = Path(sys.executable).parent / "vexora-sandbox"
    if script.exists():
        return [str(script), "serve", "--port", "0"]
    found = shutil.which("vexora-sandbox")
    return [found, "serve", "--port", "0"] if found else [*h.SANDBOX, "serve", "--port", "0"]


def time_to_healthy(command: list[str]) -> float:
    started = time.perf_counter()
    proc = h.Proc(command, env=h.sandbox_env())
    try:
        url = proc.wait_url()
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=5) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - started
            except urllib.error.URLError:
                time.sleep(0.005)
    finally:
        proc.stop()


def time_python(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


# What aiohttp's import spends building its two client SSL contexts (the CA bundle read
# twice), which a server never uses: measured in a child, as the import does it.
SSL_CONTEXTS = """
import ssl, time
started = time.perf_counter()
ssl.create_default_context()
context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.set_default_verify_paths()
print(time.perf_counter() - started)
"""


def time_ssl_contexts() -> float:
    done = subprocess.run([sys.executable, "-c", SSL_CONTEXTS], check=True, capture_output=True)
    return float(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    command = _command()
    print(f"machine: {h.machine()}")
    print(f"command: {' '.join(command)}")
    time_to_healthy(command)  # warm the page cache and the .pyc files
    serve = [time_to_healthy(command) for _ in range(args.runs)]
    baseline = [time_python("pass") for _ in range(args.runs)]
    web = h.median([time_python("from aiohttp import web") for _ in range(args.runs)])
    contexts = h.median([time_ssl_contexts() for _ in range(args.runs)])
    med, base = h.median(serve), h.median(baseline)
    print(
        f"serve --port 0 to first healthy answer: median {med:.3f} s "
        f"(min {min(serve):.3f}, max {max(serve):.3f}, {args.runs} runs)"
    )
    print(f"python -c pass:                          median {base:.3f} s")
    print(
        f"python -c 'from aiohttp import web':    median {web:.3f} s "
        f"({web / med:.0%} of serve), of which its SSL contexts {contexts:.3f} s"
    )
    print(f"ratio serve/pass: {med / base:.1f}x")
    print(f"target < {TARGET} s: {h.verdict(med < TARGET)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
