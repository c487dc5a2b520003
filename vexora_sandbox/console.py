"""The live console of ``serve``: one line per gateway call and per callback attempt.

Human lines by default (colours only on a terminal, and never with ``NO_COLOR`` set:
https://no-color.org), one JSON object per line with ``--log-format json``, nothing with
``--quiet``. No secret is ever printed: bodies are not shown, a sign base only with its
``{secret}`` placeholder and without the card data, a notify URL without its user and
password.

Lines are gathered on the event loop and written by a thread in batches (``Writer``), so a
slow terminal or a full pipe never holds up a call; if the thread falls that far behind,
lines are dropped and counted rather than kept without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import re
import sys
import threading
import time
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.events import attempt_outcome

if TYPE_CHECKING:
    from vexora_sandbox.callbacks.delivery import Delivery

FLUSH_SECONDS = 0.05
MAX_BATCHES = 256  # batches waiting for the writing thread before lines are dropped
ANSWER_CHARS = 60
# Fields a console never shows: card payments' encrypted card data (docs/areas/card.md).
SENSITIVE = ("cardData",)

# Control characters (a terminal's escape sequences) and bidi overrides, from values a
# merchant sent: shown as \xNN so that no value can rewrite the terminal.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_COLOURS = {"ok": "32", "bad": "31", "warn": "33", "dim": "2", "bold": "1"}


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(value: Any) -> Any:
    """A value for a terminal line: control characters shown as escapes."""
    if isinstance(value, str):
        return _UNSAFE.sub(_escape, value)
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def _cleaned(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: clean(v) for k, v in fields.items()}


def use_colour(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Colours only on a terminal, and never when NO_COLOR is set to anything non-empty."""
    if environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Writer:
    """Lines gathered on the loop, written in batches by a thread of their own."""

    def __init__(self, stream: TextIO, *, flush_seconds: float = FLUSH_SECONDS) -> None:
        self.stream = stream
        self.flush_seconds = flush_seconds
        self.dropped = 0
        self._lines: list[str] = []
        self._timer: Any = None
        self._batches: queue.Queue[str | None] = queue.Queue(MAX_BATCHES)
        self._thread = threading.Thread(target=self._write, name="vexora-console", daemon=True)
        self._thread.start()

    def line(self, text: str) -> None:
        self._lines.append(text)
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.flush_seconds, self.flush)

    def flush(self, wait: float | None = None) -> None:
        """Hand the lines gathered to the thread; dropped if it is ``MAX_BATCHES`` behind
        (after waiting ``wait`` seconds for room: only on close, never on the loop)."""
        self._timer = None
        if not self._lines:
            return
        batch = "\n".join(self._lines) + "\n"
        count = len(self._lines)
        self._lines = []
        try:
            self._batches.put(batch, block=wait is not None, timeout=wait)
        except queue.Full:
            self.dropped += count

    def _write(self) -> None:
        reported = 0
        while True:
            batch = self._batches.get()
            if batch is None:
                return
            if self.dropped > reported:
                batch = f"[console: {self.dropped - reported} lines dropped]\n" + batch
                reported = self.dropped
            with contextlib.suppress(OSError, ValueError):  # a closed terminal: keep serving
                self.stream.write(batch)
                self.stream.flush()

    def close(self, timeout: float = 2.0) -> None:
        """Write what is left and stop the thread."""
        if self._timer is not None:
            self._timer.cancel()
        self.flush(wait=timeout)
        with contextlib.suppress(queue.Full):
            self._batches.put(None, timeout=timeout)
        self._thread.join(timeout)


_SECOND: list[Any] = [None, ""]  # the last second formatted: most lines share it


def _clock(ms: int | None) -> str:
    if ms is None:
        return "--:--:--.---"
    second, rest = divmod(ms, 1000)
    if _SECOND[0] != second:
        _SECOND[0], _SECOND[1] = second, time.strftime("%H:%M:%S", time.localtime(second))
    return f"{_SECOND[1]}.{rest:03d}"


def public_url(url: str) -> str:
    """``url`` without a user and password, which may be a merchant's credentials."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _answer_text(raw: str) -> str:
    text = raw[:ANSWER_CHARS]
    shown = json.dumps(text, ensure_ascii=False)
    return shown + ("..." if len(raw) > ANSWER_CHARS else "")


def masked(sign_base: str, body: Any) -> str:
    """A sign base for the console with the card data's value hidden (its length shown):
    the sign base holds every signed field in clear."""
    if not isinstance(body, dict):
        return sign_base
    for name in SENSITIVE:
        value = body.get(name)
        if isinstance(value, str) and value:
            sign_base = sign_base.replace(f"{name}={value}", f"{name}=[{len(value)} chars]")
    return sign_base


def call_fields(entry: Mapping[str, Any], seconds: float) -> dict[str, Any]:
    """What a console line says of one gateway call (no body, no secret)."""
    body = entry.get("body") or {}
    response = entry.get("response") or {}
    data = response.get("data") if isinstance(response.get("data"), dict) else {}
    fields: dict[str, Any] = {
        "event": "call",
        "time": entry.get("time"),
        "merchantNo": entry.get("merchantNo"),
        "area": entry.get("area"),
        "endpoint": entry.get("endpoint"),
        "tradeNo": body.get("tradeNo") if isinstance(body, dict) else None,
        "httpStatus": entry.get("httpStatus"),
        "code": response.get("code"),
        "status": (data or {}).get("status"),
        "error": entry.get("error"),
        "durationMs": round(seconds * 1000, 2),
    }
    if entry.get("endpoint") is None:
        fields["path"] = entry.get("path")
    if entry.get("signBase") is not None:
        fields["signBase"] = masked(entry["signBase"], body)
    if entry.get("errors") and len(entry["errors"]) > 1:
        fields["errors"] = entry["errors"]
    return fields


def attempt_fields(delivery: Delivery, attempt: Mapping[str, Any]) -> dict[str, Any]:
    """What a console line says of one callback attempt."""
    return {
        "event": "callback",
        "time": attempt.get("at"),
        "callback": delivery.id,
        "attempt": attempt.get("attempt"),
        "merchantNo": delivery.order.merchant_no,
        "tradeNo": delivery.order.trade_no,
        "status": delivery.status,
        "url": public_url(delivery.url),
        "httpStatus": attempt.get("responseStatus"),
        "answer": (attempt.get("responseBody") or "")[:ANSWER_CHARS],
        "error": attempt.get("error"),
        "outcome": attempt_outcome(delivery, attempt),
        "nextAttemptAt": attempt.get("nextAttemptAt"),
        "latencyMs": attempt.get("latencyMs"),
    }


class Console:
    """Formats events into lines for a Writer: ``human`` (optionally coloured) or ``json``."""

    def __init__(self, writer: Writer, *, fmt: str = "human", colour: bool = False) -> None:
        self.writer = writer
        self.fmt = fmt
        self.colour = colour

    def _paint(self, kind: str, text: str) -> str:
        return f"\033[{_COLOURS[kind]}m{text}\033[0m" if self.colour else text

    def call(self, entry: dict[str, Any], seconds: float) -> None:
        if self.fmt == "json":
            self.writer.line(_JSON(call_fields(entry, seconds)))
            return
        if self.colour or entry.get("error") is not None or entry.get("endpoint") is None:
            self.writer.line(self.call_line(_cleaned(call_fields(entry, seconds))))
            return
        # The common case, a call answered with an envelope, without the dict of fields:
        # this runs for every call of a busy sandbox (bench/README.md: the console's cost).
        body = entry["body"] or {}
        response = entry["response"] or {}
        data = response.get("data")
        status = data.get("status") if isinstance(data, dict) else None
        area = entry["area"]
        where = f"{entry['merchantNo']} {area} " if area else f"{entry['merchantNo']} "
        trade = body.get("tradeNo") if isinstance(body, dict) else None
        http = entry["httpStatus"]
        line = (
            f"{_clock(entry['time'])} call {where}{entry['endpoint']}"
            f"{' ' + str(trade) if trade else ''} -> {response.get('code')}"
            f"{' status ' + str(status) if status else ''}{'' if http == 200 else f' HTTP {http}'}"
            f" ({round(seconds * 1000, 2):g} ms)"
        )
        if _UNSAFE.search(line):
            line = self.call_line(_cleaned(call_fields(entry, seconds)))
        self.writer.line(line)

    def call_line(self, f: Mapping[str, Any]) -> str:
        where = " ".join(
            str(v) for v in (f["merchantNo"], f["area"], f["endpoint"] or f.get("path")) if v
        )
        if f["error"] is not None:
            outcome = self._paint("bad", f"{f['code']} {f['error']}")
        else:
            code = str(f["code"])
            outcome = self._paint("ok" if code == "0000" else "warn", code)
            if f["status"]:
                outcome += f" status {f['status']}"
        trade = f" {f['tradeNo']}" if f["tradeNo"] else ""
        http = "" if f["httpStatus"] == 200 else f" HTTP {f['httpStatus']}"
        duration = f["durationMs"]
        took = self._paint("dim", f"({duration:g} ms)")
        stamp = self._paint("dim", _clock(f["time"]))
        line = f"{stamp} call {where}{trade} -> {outcome}{http} {took}"
        if "signBase" in f:
            line += f"\n    sign base: {f['signBase']}"
        for extra in f.get("errors", [])[1:]:
            line += f"\n    also: {extra}"
        return line

    def attempt(self, delivery: Delivery, attempt: dict[str, Any]) -> None:
        fields = attempt_fields(delivery, attempt)
        if self.fmt == "json":
            self.writer.line(_JSON(fields))
            return
        self.writer.line(self.attempt_line(_cleaned(fields)))

    def attempt_line(self, f: Mapping[str, Any]) -> str:
        if f["error"] and f["httpStatus"] is None:
            answer = self._paint("bad", str(f["error"]))
        else:
            answer = f"HTTP {f['httpStatus']} {_answer_text(str(f['answer']))}"
            if f["error"]:
                answer += f" ({f['error']})"
        outcome = {
            "acknowledged": self._paint("ok", "acknowledged"),
            "gave_up": self._paint("bad", f"gave up after {f['attempt']} attempts"),
            "retry": self._paint("warn", f"retry at {_clock(f['nextAttemptAt'])}"),
            "not_acknowledged": self._paint("warn", "not acknowledged, cancelled"),
        }[f["outcome"]]
        return (
            f"{self._paint('dim', _clock(f['time']))} callback {f['tradeNo']} status "
            f"{f['status']} #{f['attempt']} -> {f['url']}: {answer}; {outcome}"
        )


def attach(
    app: web.Application,
    *,
    fmt: str = "human",
    stream: TextIO | None = None,
    colour: bool | None = None,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Print ``app``'s calls and callback attempts to ``stream`` while it runs."""
    out = stream or sys.stdout
    if colour is None:
        colour = fmt == "human" and use_colour(out, os.environ if environ is None else environ)

    async def running(app: web.Application) -> AsyncIterator[None]:
        writer = Writer(out)
        console = Console(writer, fmt=fmt, colour=colour)
        events = app[keys.EVENTS]
        stops = [events.on_call(console.call), events.on_attempt(console.attempt)]
        yield
        for stop in stops:
            stop()
        writer.close()

    # First in, last out: the console outlives the dispatcher's last attempts.
    app.cleanup_ctx.insert(0, running)
