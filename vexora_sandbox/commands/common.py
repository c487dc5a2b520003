"""What every subcommand shares: exit codes, the help formatter, its errors, JSON bodies."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vexora_sandbox.errors import GatewayError

if TYPE_CHECKING:
    from vexora_sandbox.protocol.jsonbody import Body

EXIT_USAGE = 2
# What a shell reports for a command that SIGPIPE stopped (128 + 13), as `yes | head -1`.
EXIT_CLOSED_OUTPUT = 141


class HelpFormatter(argparse.HelpFormatter):
    """Descriptions wrapped to the terminal; the epilog's examples kept one per line."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("example"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class UsageError(Exception):
    """A mistake in a command's input: printed without a traceback, exit code 2."""


class Failure(Exception):
    """A command could not do its job for a reason outside its input: exit code 1."""


class AdminFailure(Failure):
    """A running sandbox refused an admin call or could not be reached: exit code 1."""


def check_url(url: str, option: str, example: str = "http://127.0.0.1:8080") -> str:
    """``url`` when it is an http(s) URL with a host; a UsageError showing the form if not.

    Without this, ``127.0.0.1:8080`` reached urllib as the scheme ``127.0.0.1`` ("unknown
    url type") and ``ftp://x/`` as a DNS failure, neither saying what to write instead.
    """
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        valid = False
    if not valid:
        raise UsageError(
            f"{option} must be an http:// or https:// URL with a host, e.g. {example}; got {url!r}"
        )
    return url.strip()


def silence_stdout() -> None:
    """Send what is left for stdout to os.devnull: its reader has gone (``| head``), and
    the flush at exit would otherwise report the broken pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stdout: nothing left to flush
        pass


def os_cause(exc: OSError) -> str:
    """The error with the file it is about, without Python's ``[Errno N]``."""
    reason = exc.strerror or str(exc)
    return f"{exc.filename}: {reason}" if exc.filename else reason


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _read(source: str | None) -> tuple[bytes, str]:
    """The bytes of a file or of stdin (``-`` or None), and a name for messages."""
    if source in (None, "-"):
        raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        name = "stdin"
    else:
        try:
            raw = Path(source).read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from None
        name = source
    return (raw.encode("utf-8") if isinstance(raw, str) else raw), name


def read_text(source: str | None) -> str:
    """A file's or stdin's text (UTF-8)."""
    data, name = _read(source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{name}: not UTF-8 text") from None


def read_body(source: str | None) -> Body:
    """A JSON body from a file or stdin, numbers kept as their literal text for the sign."""
    from vexora_sandbox.protocol.jsonbody import parse_body

    data, name = _read(source)
    try:
        return parse_body(data)
    except GatewayError as exc:
        raise UsageError(f"{name}: {exc.msg}") from None


def dump_body(body: Mapping[str, Any]) -> str:
    """JSON with every number written exactly as it was read (``100.50`` stays ``100.50``)."""
    from vexora_sandbox.protocol.jsonbody import JsonNumber

    def value(v: Any) -> str:
        return str(v) if isinstance(v, JsonNumber) else json.dumps(v, ensure_ascii=False)

    items = ",\n".join(
        f"  {json.dumps(k, ensure_ascii=False)}: {value(v)}" for k, v in body.items()
    )
    return "{\n" + items + "\n}"
