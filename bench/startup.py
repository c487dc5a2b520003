"""Start-up time: process start to the first healthy answer of ``vexora-sandbox serve --port 0``.

Median of several runs, next to ``python -c pass`` on the same interpreter as the
baseline, and the import of ``aiohttp.web`` alone (with the two client SSL contexts that
import builds) to show what is aiohttp's and what is the sandbox's. Target: under 0.5 s.

An installed sandbox starts from compiled bytecode (pip compiles the wheel's modules); a
checkout started with ``PYTHONDONTWRITEBYTECODE`` set compiles every module of the package
at every start (~90 ms of CPU here). Both are measured: the first with a bytecode cache in
a temporary directory (``PYTHONPYCACHEPREFIX``, written by a warm-up run), which is the
figure the target is about; the second as the environment gives it, when it forbids
bytecode. The server's CPU time to healthy is printed too: steadier than wall time on a
busy machine.
Run: ``.venv/bin/python bench/startup.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
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


def time_to_healthy(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time to the first healthy answer, and the server's CPU time by then."""
    started = time.perf_counter()
    proc = h.Proc(command, env={**h.sandbox_env(), **env})
    try:
        url = proc.wait_url()
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=5) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - started, proc.cpu_seconds()
            except urllib.error.URLError:
                time.sleep(0.005)
    finally:
        proc.stop()


def time_python(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, **env})
    return time.perf_counter() - started


def cached_bytecode(prefix: str) -> dict[str, str]:
    """Bytecode written to and read from ``prefix`` (an empty value unsets the ban)."""
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": prefix}


def spread(values: list[float]) -> str:
    return f"median {h.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f})"


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


# serve's import of aiohttp (vexora_sandbox.webimport): the client's CA bundle left for later.
AS_SERVE_IMPORTS = "from vexora_sandbox import webimport; webimport.import_web()"


def time_ssl_contexts() -> float:
    done = subprocess.run([sys.executable, "-c", SSL_CONTEXTS], check=True, capture_output=True)
    return float(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    command = _command()
    print(f"machine: {h.machine()}")
    print(f"command: {' '.join(command)}, {args.runs} runs each, alternated")
    from_source = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    with tempfile.TemporaryDirectory(prefix="vexora-pyc-") as prefix:
        cached = cached_bytecode(prefix)
        time_to_healthy(command, cached)  # writes the bytecode, warms the page cache
        serve: list[tuple[float, float]] = []
        source: list[tuple[float, float]] = []
        baseline: list[float] = []
        web: list[float] = []
        deferred: list[float] = []
        for _ in range(args.runs):
            serve.append(time_to_healthy(command, cached))
            if from_source:
                source.append(time_to_healthy(command, {}))
            baseline.append(time_python("pass", cached))
            web.append(time_python("from aiohttp import web", cached))
            deferred.append(time_python(AS_SERVE_IMPORTS, cached))
    contexts = h.median([time_ssl_contexts() for _ in range(args.runs)])
    walls = [wall for wall, _ in serve]
    med, base, web_med = h.median(walls), h.median(baseline), h.median(web)
    print(
        f"serve --port 0 to first healthy answer: {spread(walls)}; "
        f"server CPU {spread([cpu for _, cpu in serve])}"
    )
    if source:
        print(
            "  same, compiling the package at each start (PYTHONDONTWRITEBYTECODE is set "
            f"here): {spread([w for w, _ in source])}; CPU {spread([c for _, c in source])}"
        )
    print(f"python -c pass:                          median {base:.3f} s")
    print(
        f"python -c 'from aiohttp import web':    median {web_med:.3f} s "
        f"({web_med / med:.0%} of serve), of which its SSL contexts {contexts:.3f} s"
    )
    print(
        f"the same import as serve does it (CA bundle after the start): median "
        f"{h.median(deferred):.3f} s"
    )
    print(f"ratio serve/pass: {med / base:.1f}x")
    print(f"target < {TARGET} s (bytecode cached, as installed): {h.verdict(med < TARGET)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
