"""SIGKILL in the middle of signed creates with live callbacks, then a restart on the same
state file (issue: "state that survives a restart").

What must hold: every create answered ``0000`` before the kill is found; a callback the
file holds as acknowledged is never sent again; every other one is delivered after the
restart; the ledgers add up (the restart checks them) and no balance drifts. A small load
(a few hundred creates), real processes, real HTTP on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.conftest import MERCHANT_NO, payout_body, signed
from vexora_sandbox.testing import CallbackReceiver

STARTUP_TIMEOUT = 30.0
SETTLE_TIMEOUT = 30.0
WORKERS = 4
KILL_AFTER = 120  # answered creates before the kill; the workers keep sending meanwhile
AMOUNT = Decimal(250)
OPENING = Decimal(100_000_000)
SERVE = (sys.executable, "-m", "vexora_sandbox", "serve", "--port", "0")


@contextmanager
def sandbox(state: Path, log: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``serve --state`` on a free port, callbacks 100x faster; (process, URL)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VEXORA_SANDBOX_")}
    with log.open("a", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [*SERVE, "--state", str(state), "--time-scale", "0.01"],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=environ,
        )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        first = lines.get(timeout=STARTUP_TIMEOUT)
        assert "serving on " in first, (first, log.read_text())
        yield process, first.split("serving on ", 1)[1].strip()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


def post(url: str, path: str, body: dict[str, Any] | None, *, sign: bool = True) -> Any:
    data = json.dumps(signed(body) if sign and body is not None else body).encode()
    request = urllib.request.Request(
        url + path,
        data=None if body is None else data,
        headers={"merchantNo": MERCHANT_NO, "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_sigkill_during_creates_then_a_restart_loses_nothing_answered(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    log = tmp_path / "stderr.txt"
    answered: list[str] = []
    lock = threading.Lock()
    with CallbackReceiver() as receiver:
        with sandbox(state, log) as (process, url):
            stop = threading.Event()

            def load(worker: int) -> None:
                n = 0
                while not stop.is_set():
                    n += 1
                    trade_no = f"K{worker}x{n:05d}"
                    body = payout_body(
                        tradeNo=trade_no,
                        notifyUrl=receiver.url,
                        timestamp=str(int(time.time() * 1000)),
                    )
                    try:
                        answer = post(url, "/v1/vexora/disbursements", body)
                    except (OSError, urllib.error.URLError):
                        return  # killed under this call: not answered
                    if answer["code"] == "0000":
                        with lock:
                            answered.append(trade_no)

            workers = [threading.Thread(target=load, args=(w,)) for w in range(WORKERS)]
            for thread in workers:
                thread.start()
            deadline = time.monotonic() + 60
            while len(answered) < KILL_AFTER and time.monotonic() < deadline:
                time.sleep(0.005)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            stop.set()
            for thread in workers:
                thread.join(15)
        before_restart = len(receiver.received)
        assert len(answered) >= KILL_AFTER
        assert before_restart > 0, "no callback went out before the kill: not a live load"

        # What the file says, read while no sandbox holds it.
        with sqlite3.connect(state) as db:
            rows = db.execute("SELECT trade_no, acknowledged FROM deliveries").fetchall()
        db.close()
        acknowledged = {trade_no for trade_no, ack in rows if ack}
        unacknowledged = {trade_no for trade_no, ack in rows if not ack}
        assert acknowledged <= {r.trade_no for r in receiver.received[:before_restart]}

        with sandbox(state, log) as (_, url):
            # Every create answered 0000 before the kill is there.
            listed = post(url, "/_sandbox/transactions", None)["transactions"]
            kept = {t["tradeNo"] for t in listed}
            assert set(answered) <= kept, sorted(set(answered) - kept)[:10]
            # Every callback not acknowledged in the file is delivered after the restart.
            deadline = time.monotonic() + SETTLE_TIMEOUT
            while time.monotonic() < deadline:
                journal = post(url, "/_sandbox/callbacks", None)["callbacks"]
                if journal and not any(d["pending"] for d in journal):
                    break
                time.sleep(0.05)
            else:
                raise AssertionError("callbacks still pending after the restart")
            after = receiver.received[before_restart:]
            resent = {r.trade_no for r in after}
            assert unacknowledged <= resent, sorted(unacknowledged - resent)[:10]
            # An acknowledged callback is never sent again.
            assert not (acknowledged & resent), sorted(acknowledged & resent)[:10]
            # Every order got its callback, acknowledged, exactly as its final status.
            assert {r.trade_no for r in receiver.received} >= kept
            statuses = {
                t["status"] for t in post(url, "/_sandbox/transactions", None)["transactions"]
            }
            assert statuses == {"0000"}
            # No balance drifts: every kept payout succeeded, nothing stays frozen.
            money = post(
                url, "/v1/vexora/queryBalance", {"timestamp": str(int(time.time() * 1000))}
            )["data"]
            assert Decimal(money["freezeAmount"]) == 0
            assert Decimal(money["availableAmount"]) + Decimal(
                money["unsettledAmount"]
            ) == OPENING - AMOUNT * len(kept)
    assert "Traceback" not in log.read_text()
