"""``serve`` (start the sandbox) and ``check`` (validate scenario files)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from vexora_sandbox._version import __version__
from vexora_sandbox.commands.common import EXIT_USAGE, HelpFormatter, count
from vexora_sandbox.errors import ConfigError


def _serve_parser(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="start the sandbox",
        description=(
            "Start the sandbox. Every flag has an environment variable of the same meaning "
            "(VEXORA_SANDBOX_<NAME>); flags win over the environment, the environment over "
            "the config file."
        ),
        epilog="example: vexora-sandbox serve --port 0 --seed 42",
        formatter_class=HelpFormatter,
    )
    p.add_argument("--host", help="address to listen on (VEXORA_SANDBOX_HOST; default 127.0.0.1)")
    p.add_argument("--port", help="port, 0 for a free one (VEXORA_SANDBOX_PORT; default 8080)")
    p.add_argument("--config", metavar="FILE", help="YAML config file (VEXORA_SANDBOX_CONFIG)")
    p.add_argument("--seed", help="make platform order numbers reproducible (VEXORA_SANDBOX_SEED)")
    p.add_argument(
        "--validation",
        choices=["strict", "lenient"],
        help="field rules: strict, or presence and types only (VEXORA_SANDBOX_VALIDATION)",
    )
    p.add_argument(
        "--scenarios",
        metavar="PATH",
        help="scenario file or directory (VEXORA_SANDBOX_SCENARIOS; default: the shipped set)",
    )
    p.add_argument(
        "--watch",
        action="store_true",
        default=None,
        help="reload the scenarios when a file changes (VEXORA_SANDBOX_WATCH)",
    )
    p.add_argument(
        "--time-scale",
        metavar="X",
        help="multiply every callback delay and retry interval: 0.001 runs the gateway's "
        "10-hour retry schedule in 36 s (VEXORA_SANDBOX_TIME_SCALE; default 1)",
    )
    p.add_argument(
        "--clock",
        choices=["system", "manual"],
        help="manual: business time moves only by POST /_sandbox/clock/advance "
        "(VEXORA_SANDBOX_CLOCK)",
    )
    p.add_argument(
        "--admin-token",
        metavar="T",
        help="require 'Authorization: Bearer T' on /_sandbox/ routes except health "
        "(VEXORA_SANDBOX_ADMIN_TOKEN)",
    )
    p.add_argument(
        "--state",
        metavar="PATH",
        help="keep orders, balances and pending callbacks in this SQLite file across "
        "restarts; :memory: keeps them in memory (VEXORA_SANDBOX_STATE; default :memory:)",
    )
    p.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        help="log level (VEXORA_SANDBOX_LOG_LEVEL; default info)",
    )
    p.add_argument(
        "--log-format",
        choices=["human", "json"],
        help="a line per call and callback attempt: human, or one JSON object per line "
        "(VEXORA_SANDBOX_LOG_FORMAT; default human)",
    )
    p.add_argument(
        "--quiet",
        action="store_true",
        default=None,
        help="no line per call and callback attempt (VEXORA_SANDBOX_QUIET)",
    )
    p.set_defaults(func=cmd_serve)


def _flags(args: argparse.Namespace, names: Sequence[str]) -> dict[str, Any]:
    return {name: getattr(args, name, None) for name in names}


SERVE_FLAGS = (
    "host",
    "port",
    "config",
    "seed",
    "validation",
    "scenarios",
    "watch",
    "time_scale",
    "clock",
    "admin_token",
    "log_level",
    "log_format",
    "quiet",
    "state",
)


def cmd_serve(args: argparse.Namespace) -> int:
    from vexora_sandbox import eventloop, keys
    from vexora_sandbox.app import create_app
    from vexora_sandbox.config import load_config
    from vexora_sandbox.server import Listening, serve_until_signal

    flags = _flags(args, SERVE_FLAGS)
    config = load_config(flags, os.environ)
    logging.basicConfig(
        level=config.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    app = create_app(config)
    if not config.quiet:
        from vexora_sandbox import console

        console.attach(app, fmt=config.log_format)

    def ready(listening: Listening) -> None:
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

    eventloop.run(serve_until_signal(app, config.host, config.port, ready))
    return 0


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
    files = count(len(loaded.files), "file")
    print(f"{path}: {count(len(loaded.scenarios), 'scenario')} in {files}, all valid")
    return 0


def register(sub: Any) -> None:
    """Add ``serve`` and ``check`` to the subparsers ``sub``."""
    _serve_parser(sub)
    _check_parser(sub)
