"""The ``vexora-sandbox`` command: subcommands that call plain functions.

The subcommands live in ``vexora_sandbox.commands``, one module a theme; this module builds
the parser from them and turns their errors into messages and exit codes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from vexora_sandbox._version import __version__
from vexora_sandbox.commands import example, listen, openapi, remote, serve, signing, state
from vexora_sandbox.commands.common import (
    EXIT_CLOSED_OUTPUT,
    EXIT_USAGE,
    Failure,
    HelpFormatter,
    UsageError,
    os_cause,
    silence_stdout,
)
from vexora_sandbox.errors import ConfigError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vexora-sandbox",
        description="A local, offline sandbox of the Vexora payment gateway's merchant API.",
        epilog="example: vexora-sandbox serve\n"
        "         vexora-sandbox listen --port 9000\n"
        "         vexora-sandbox example --area indonesia\n"
        "         vexora-sandbox status T20261124000001\n"
        "Each command's --help says more.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve.register(sub)  # serve, check
    signing.register(sub)  # sign, verify, send-callback
    example.register(sub)  # example
    remote.register(sub)  # status, replay, force
    listen.register(sub)  # listen
    state.register(sub)  # state export, state import
    openapi.register(sub)  # openapi
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader of the output went (``| head -1``): stop quietly, as Unix tools do.
        silence_stdout()
        return EXIT_CLOSED_OUTPUT


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        result: int = args.func(args)
        sys.stdout.flush()  # a closed output is known here, not in the flush at exit
    except BrokenPipeError:
        raise
    except UsageError as exc:
        print(f"vexora-sandbox {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Failure as exc:
        print(f"vexora-sandbox {args.command}: {exc}", file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(f"vexora-sandbox: configuration error:\n{_indent(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a file the command was given, or one it reads
        print(f"vexora-sandbox {args.command}: {os_cause(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 0
    return result


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
