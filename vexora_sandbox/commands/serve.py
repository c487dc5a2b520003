"""``serve`` (start the sandbox) and ``check`` (validate scenario files)."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING, Any

from vexora_sandbox._version import __version__
from vexora_sandbox.commands.common import EXIT_USAGE, Failure, HelpFormatter, count
from vexora_sandbox.errors import ConfigError

if TYPE_CHECKING:
    from vexora_sandbox.config import Setting


def _serve_parser(sub: Any) -> None:
    from vexora_sandbox.config import CONFIG_FILE, SETTINGS

    p = sub.add_parser(
        "serve",
        help="start the sandbox",
        description=(
            "Start the sandbox. Every flag has an environment variable of the same meaning, "
            "named in its help; flags win over the environment, the environment over the "
            "config file."
        ),
        epilog="example: vexora-sandbox serve --port 0 --seed 42",
        formatter_class=HelpFormatter,
    )
    for setting in (CONFIG_FILE, *SETTINGS):
        _add_flag(p, setting)
    p.set_defaults(func=cmd_serve)


def _add_flag(p: argparse.ArgumentParser, setting: Setting) -> None:
    """One flag of ``serve``, generated from the setting: its name, variable and default."""
    from vexora_sandbox import setting_values as v
    from vexora_sandbox.config import SandboxConfig

    default = getattr(SandboxConfig(), setting.name, None)
    if isinstance(default, tuple):
        default = ",".join(f"{i:g}" if isinstance(i, float) else str(i) for i in default)
    elif isinstance(default, float):
        default = f"{default:g}"
    shown = "" if default in (None, False) else f"; default {default}"
    help_text = f"{setting.help} ({setting.env}{shown})"
    kwargs: dict[str, Any] = {"dest": setting.name, "help": help_text}
    if setting.parse is v.parse_bool:
        kwargs.update(action="store_true", default=None)
    elif isinstance(setting.parse, v.Choice):
        kwargs.update(choices=setting.parse.allowed)
    else:
        kwargs.update(metavar=setting.name.upper())
    p.add_argument(setting.flag, **kwargs)


def cmd_serve(args: argparse.Namespace) -> int:
    from vexora_sandbox import webimport

    # First: aiohttp's client CA bundle loads once the sandbox answers, not before.
    deferred = webimport.import_web()
    from vexora_sandbox import eventloop, keys
    from vexora_sandbox.app import create_app
    from vexora_sandbox.commands.common import os_cause, silence_stdout
    from vexora_sandbox.config import CONFIG_FILE, SETTINGS, load_config
    from vexora_sandbox.server import Listening, serve_until_signal

    flags = {s.name: getattr(args, s.name, None) for s in (CONFIG_FILE, *SETTINGS)}
    config = load_config(flags)
    # Where the start is, so that an OSError is told by its real cause: only one raised
    # while binding the socket is a listen problem.
    stage = ["starting"]
    level = logging.getLevelName(config.log_level.upper())
    # Until the socket is bound, only warnings: a start that fails (a port in use) prints
    # its one message, not the shutdown's INFO lines before it.
    logging.basicConfig(
        level=max(level, logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        app = create_app(config)
    except OSError as exc:
        raise _start_failure(exc, config.state) from None
    if not config.quiet:
        from vexora_sandbox import console

        console.attach(app, fmt=config.log_format)

    async def binding(_: object) -> None:  # the last start-up step before the bind
        stage[0] = "listening"

    app.on_startup.append(binding)

    def ready(listening: Listening) -> None:
        stage[0] = "serving"
        logging.getLogger().setLevel(level)
        try:
            announce(listening)
        except BrokenPipeError:
            # Nobody reads the output (``serve | head -1``): serve on, as the console does.
            silence_stdout()

    def announce(listening: Listening) -> None:
        print(f"vexora-sandbox {__version__} serving on {listening.url}", flush=True)
        for merchant in config.merchants:
            print(
                f"  merchantNo {merchant.merchant_no}  secret {merchant.secret}  "
                f"area {merchant.area}",
                flush=True,
            )
        registry = app[keys.SCENARIOS]
        print(f"  payouts: POST {listening.url}/v1/vexora/disbursements", flush=True)
        print(
            f"  scenarios: {len(registry.current.scenarios)} from {registry.path}"
            + (" (watching)" if config.watch else ""),
            flush=True,
        )
        if not registry.current.files:
            # ``check`` refuses such a folder as a likely wrong path; serving it may be
            # meant (no magic values at all), so say it where the folder is named.
            print(
                f"  (no scenario files in {registry.path}: every call gets the default "
                f"outcome; vexora-sandbox check {registry.path} says the same)",
                flush=True,
            )
        if config.state:
            kept = app[keys.STATE].restored
            print(
                f"  state:   {config.state} ({count(kept.orders, 'order')}, "
                f"{count(kept.pending, 'pending callback')})",
                flush=True,
            )
        if config.time_scale != 1:
            print(f"  time scale: {config.time_scale:g}", flush=True)
        print(f"  health:  GET  {listening.url}/_sandbox/health", flush=True)
        print(f"  dashboard:    {listening.url}/_sandbox/ui", flush=True)
        deferred.in_background()

    try:
        eventloop.run(serve_until_signal(app, config.host, config.port, ready))
    except OSError as exc:
        if stage[0] == "starting":
            raise _start_failure(exc, config.state) from None
        if stage[0] == "listening":
            raise Failure(listen_problem(exc, config.host, config.port)) from None
        raise Failure(f"stopped: {os_cause(exc)}") from None
    try:
        sys.stdout.flush()  # the console's last lines; a closed output is no failure here
    except BrokenPipeError:
        silence_stdout()
    return 0


def _start_failure(exc: OSError, state: str | None) -> Exception:
    """A start-up OSError (a file the sandbox reads or writes) as a usage error: exit 2."""
    from vexora_sandbox.commands.common import UsageError, os_cause

    cause = os_cause(exc)
    if state and exc.filename is not None and str(exc.filename) == str(state):
        cause = f"state file {cause}"
    return UsageError(f"cannot start: {cause}")


def listen_problem(exc: OSError, host: str, port: int, what: str = "sandbox") -> str:
    """Why the sandbox (or the listener: ``what``) cannot listen, and which flag changes it."""
    import errno
    import socket

    if isinstance(exc, socket.gaierror):
        return (
            f"cannot listen on host {host!r}: {exc.strerror or exc}; give --host an address "
            "of this machine, e.g. 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)"
        )
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use (another {what}?); pick another with "
            "--port N, or --port 0 for a free one, which is printed"
        )
    if exc.errno == errno.EACCES:
        return f"no permission to listen on port {port} of {host}; use a port above 1023"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {host}: not an address of this machine; see --host"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"


def _check_parser(sub: Any) -> None:
    p = sub.add_parser(
        "check",
        help="validate scenario files",
        description="Load scenario files strictly and report every problem with its file, "
        "line and key path. Exit code 0 when valid, 2 otherwise.",
        epilog="example: vexora-sandbox check scenarios/",
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "path", nargs="?", help="a scenario file or directory (default: the shipped set)"
    )
    p.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    from vexora_sandbox.scenarios.loader import load_scenarios
    from vexora_sandbox.scenarios.registry import shipped_scenarios

    path = args.path or str(shipped_scenarios())
    try:
        loaded = load_scenarios(path)
    except ConfigError as exc:
        problems = sorted(exc.problems, key=lambda p: (p.source, p.line or 0))
        print(f"{path}: {count(len(problems), 'problem')}:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_USAGE
    if not loaded.files:
        # A folder with no scenario file is a wrong path far more often than an intent:
        # serving it would answer every call with the default outcome.
        print(
            f"{path}: no scenario files here (*.yaml or *.yml, searched in subfolders too); "
            "is the path right?",
            file=sys.stderr,
        )
        return EXIT_USAGE
    files = count(len(loaded.files), "file")
    print(f"{path}: {count(len(loaded.scenarios), 'scenario')} in {files}, all valid")
    return 0


def register(sub: Any) -> None:
    """Add ``serve`` and ``check`` to the subparsers ``sub``."""
    _serve_parser(sub)
    _check_parser(sub)
