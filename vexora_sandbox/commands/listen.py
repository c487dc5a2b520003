"""``listen``: a callback receiver for humans, like ``stripe listen``.

Prints each callback as it arrives (its fields, whether its sign is valid, and on a bad
sign the base the sign should have been made from), then answers as told: ``OK`` by
default, or another text, an HTTP status, after a delay, or not at all (the sender times
out), to provoke the gateway's retries. With ``--forward-to`` each callback is passed on,
byte for byte, to the merchant's own handler; what it answered is printed and sent back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from vexora_sandbox.commands.common import (
    EXIT_CLOSED_OUTPUT,
    Failure,
    HelpFormatter,
    UsageError,
    silence_stdout,
)

DEFAULT_PORT = 9000
ANSWER_CHARS = 200
FORWARD_TIMEOUT = 30.0
# How often a held ("--no-answer") request checks whether the sender gave up.
HOLD_POLL = 0.5
CLOSED_ANSWER = "the listener's output is closed; it stops"


@dataclass(frozen=True)
class Options:
    secret: str
    answer: str = "OK"
    status: int = 200
    delay: float = 0.0
    no_answer: bool = False
    forward_to: str | None = None
    colour: bool = False


def _paint(options: Options, code: str, text: str) -> str:
    return f"\033[{code}m{text}\033[0m" if options.colour else text


def describe(raw: bytes, options: Options) -> tuple[list[str], dict[str, Any] | None]:
    """The lines printed for one callback body, and the body if it is a JSON object."""
    from vexora_sandbox.protocol import signing

    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        shown = raw[:ANSWER_CHARS].decode("utf-8", "replace")
        return [_paint(options, "31", f"  not a JSON object: {shown!r}")], None
    width = max((len(str(k)) for k in body), default=0)
    lines = [
        f"  {name:<{width}}  {json.dumps(value, ensure_ascii=False)}"
        for name, value in body.items()
    ]
    try:
        expected = signing.sign(body, options.secret)
    except TypeError as exc:  # a nested value: the API is flat
        lines.append(_paint(options, "31", f"  sign cannot be checked: {exc}"))
        return lines, body
    if signing.matches(body.get(signing.SIGN_FIELD), expected):
        lines.append(_paint(options, "32", "  sign valid"))
    else:
        given = body.get(signing.SIGN_FIELD)
        lines.append(_paint(options, "31", f"  sign INVALID: got {given!r}, expected {expected}"))
        base = signing.canonical_string(body) + "{secret}"
        lines.append(f"  sign base: {base}")
    return lines, body


def _answer_text(status: int, text: str) -> str:
    shown = text[:ANSWER_CHARS] + ("..." if len(text) > ANSWER_CHARS else "")
    return f"HTTP {status} {json.dumps(shown, ensure_ascii=False)}"


class OutputClosed(Exception):
    """The reader of the listener's output has gone (``listen | head``)."""


def create_listener(
    options: Options, out: TextIO, on_closed: Callable[[], None] | None = None
) -> Any:
    """The receiver as an aiohttp application that prints to ``out``; ``on_closed`` is
    called once if ``out`` is closed by its reader (after that callback's answer)."""
    from aiohttp import ClientError, ClientSession, ClientTimeout, web

    from vexora_sandbox.console import clean

    session_key = web.AppKey("listen.session", ClientSession)
    closed: list[bool] = []

    def say(*lines: str) -> None:
        try:
            out.write("\n".join(lines) + "\n")
            out.flush()
        except BrokenPipeError:
            raise OutputClosed from None

    async def receive(request: web.Request) -> web.StreamResponse:
        try:
            return await handle(request)
        except OutputClosed:
            pass
        # Not acknowledged: the sender retries it, to a listener whose output is read. The
        # answer is sent whole before the listener is told to stop.
        response = web.Response(status=503, text=CLOSED_ANSWER)
        response.force_close()
        await response.prepare(request)
        await response.write_eof()
        if not closed:
            closed.append(True)
            if on_closed is not None:
                on_closed()
        return response

    async def handle(request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        stamp = time.strftime("%H:%M:%S")
        lines, body = describe(raw, options)
        trade = f" tradeNo {body.get('tradeNo')} status {body.get('status')}" if body else ""
        # A sender's values never reach the terminal as control characters.
        say(
            *(
                clean(line)
                for line in (f"{stamp} {request.method} {request.path_qs}{trade}", *lines)
            )
        )
        if options.delay:
            await asyncio.sleep(options.delay)
        if options.no_answer:
            say("  not answering (the sender times out and retries)")
            while request.transport is not None and not request.transport.is_closing():
                await asyncio.sleep(HOLD_POLL)
            say(f"{time.strftime('%H:%M:%S')} the sender gave up on {request.path_qs}")
            raise asyncio.CancelledError
        if options.forward_to:
            return await forward(request, raw)
        say(f"  answered {_answer_text(options.status, options.answer)}")
        return web.Response(status=options.status, text=options.answer)

    async def forward(request: web.Request, raw: bytes) -> web.StreamResponse:
        assert options.forward_to is not None
        session = request.app[session_key]
        headers = {"Content-Type": request.headers.get("Content-Type", "application/json")}
        started = time.perf_counter()
        try:
            async with session.post(options.forward_to, data=raw, headers=headers) as answer:
                text = (await answer.content.read(64 * 1024)).decode("utf-8", "replace")
                status = answer.status
        except (ClientError, TimeoutError, OSError) as exc:
            reason = str(exc) or type(exc).__name__
            say(_paint(options, "31", f"  forward to {options.forward_to} failed: {reason}"))
            say("  answered HTTP 502 (the sender retries)")
            return web.Response(status=502, text=f"forward failed: {reason}")
        took = (time.perf_counter() - started) * 1000
        say(
            f"  your handler at {options.forward_to} answered {_answer_text(status, text)} "
            f"in {took:.0f} ms; passed back"
        )
        return web.Response(status=status, text=text)

    async def session_ctx(app: web.Application) -> Any:
        async with ClientSession(timeout=ClientTimeout(total=FORWARD_TIMEOUT)) as session:
            app[session_key] = session
            yield

    app = web.Application(client_max_size=16 * 1024 * 1024)
    if options.forward_to:
        app.cleanup_ctx.append(session_ctx)
    app.router.add_route("*", "/{tail:.*}", receive)
    return app


def _parser(sub: Any) -> None:
    p = sub.add_parser(
        "listen",
        help="receive callbacks and print them",
        description="Receive callbacks and print each one: its fields, whether its sign is "
        "valid (and on a bad sign the base it should have been made from), and the answer. "
        "Answers OK by default; --answer, --status, --delay and --no-answer provoke the "
        "gateway's retries. --forward-to passes each callback on to your own handler and "
        "sends back what it answered. Every path is accepted: use any notifyUrl on this "
        "host and port.",
        epilog="example: vexora-sandbox listen --port 9000\n"
        "         vexora-sandbox listen --answer FAIL\n"
        "         vexora-sandbox listen --forward-to http://127.0.0.1:8000/vexora/notify",
        formatter_class=HelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port, 0 for a free one (default {DEFAULT_PORT})",
    )
    p.add_argument(
        "--secret",
        default=None,
        help="the merchant's secret, to check each sign (default: the sandbox's default "
        "merchant's, sandbox-secret)",
    )
    p.add_argument("--answer", default=None, help="the body answered (default OK; try FAIL)")
    p.add_argument(
        "--status", type=int, default=None, help="the HTTP status answered (default 200)"
    )
    p.add_argument("--delay", type=float, default=0.0, help="seconds to wait before answering")
    p.add_argument(
        "--no-answer",
        action="store_true",
        help="never answer: the sender's timeout runs out and it retries",
    )
    p.add_argument(
        "--forward-to",
        metavar="URL",
        help="pass each callback on to this URL and answer what it answered",
    )
    p.set_defaults(func=cmd_listen)


def options_from(args: argparse.Namespace, out: TextIO) -> Options:
    import os

    from vexora_sandbox.config import DEFAULT_MERCHANT
    from vexora_sandbox.console import use_colour

    if args.forward_to and (args.answer is not None or args.status is not None):
        raise UsageError("--forward-to answers what your handler answers; drop --answer/--status")
    if args.forward_to and not args.forward_to.startswith(("http://", "https://")):
        raise UsageError(f"--forward-to needs an http:// or https:// URL; got {args.forward_to!r}")
    if args.status is not None and not 100 <= args.status <= 599:
        raise UsageError(f"--status must be an HTTP status from 100 to 599; got {args.status}")
    if not 0 <= args.delay <= 3600:
        raise UsageError(f"--delay must be between 0 and 3600 seconds; got {args.delay:g}")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535; got {args.port}")
    return Options(
        secret=args.secret or DEFAULT_MERCHANT.secret,
        answer="OK" if args.answer is None else args.answer,
        status=200 if args.status is None else args.status,
        delay=args.delay,
        no_answer=args.no_answer,
        forward_to=args.forward_to,
        colour=use_colour(out, os.environ),
    )


def cmd_listen(args: argparse.Namespace) -> int:
    from vexora_sandbox.server import Listening, serve_until_signal

    out = sys.stdout
    options = options_from(args, out)
    closed: list[bool] = []

    def output_closed() -> None:
        # Stop as a Unix tool stops when its reader goes: through the signal handler
        # serve_until_signal installed, so the listener shuts down cleanly.
        closed.append(True)
        silence_stdout()
        signal.raise_signal(signal.SIGTERM)

    app = create_listener(options, out, output_closed)

    def ready(listening: Listening) -> None:
        print(f"vexora-sandbox listening on {listening.url} (any path)", flush=True)
        if options.forward_to:
            print(f"  forwarding each callback to {options.forward_to}", flush=True)
        else:
            how = "no answer" if options.no_answer else _answer_text(options.status, options.answer)
            delay = f" after {options.delay:g} s" if options.delay else ""
            print(f"  answering {how}{delay}", flush=True)
        print(f"  e.g. notifyUrl {listening.url}/notify", flush=True)

    try:
        asyncio.run(serve_until_signal(app, args.host, args.port, ready))
    except BrokenPipeError:
        raise  # the output closed before the start was printed (cli: exit 141)
    except OSError as exc:  # the listener's app has nothing else to start: the bind
        from vexora_sandbox.commands.serve import listen_problem

        raise Failure(listen_problem(exc, args.host, args.port, "listener")) from None
    return EXIT_CLOSED_OUTPUT if closed else 0


def register(sub: Any) -> None:
    """Add ``listen`` to the subparsers ``sub``."""
    _parser(sub)
