"""``state export`` and ``state import``: a state file (--state) as JSON lines and back."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from vexora_sandbox.commands.common import HelpFormatter, UsageError, count


def _state_env() -> str:
    """The state file's variable, named where every setting is (config.SETTINGS)."""
    from vexora_sandbox.config import SETTINGS

    return next(s.env for s in SETTINGS if s.name == "state")


def register(sub: Any) -> None:
    """Add ``state`` (with ``export`` and ``import``) to the subparsers ``sub``."""
    env = _state_env()
    p = sub.add_parser(
        "state",
        help="export or import a state file (--state) as JSON lines",
        description="Move a sandbox's kept state (orders, ledgers, callbacks) between "
        "files, or seed one with fixtures. The state file is --state, else "
        f"{env}, else the config file's 'state'; no sandbox may be using it.",
        epilog="example: vexora-sandbox state export backup.jsonl --state state.db\n"
        "         vexora-sandbox state import backup.jsonl --state fresh.db",
        formatter_class=HelpFormatter,
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in (
        ("export", "write the state file's contents to PATH ('-': stdout)"),
        ("import", "check PATH ('-': stdin) like a start would, then write it to the file"),
    ):
        q = actions.add_parser(name, help=text, description=text, formatter_class=HelpFormatter)
        q.add_argument("path", metavar="PATH", help="a JSON-lines file")
        q.add_argument("--state", metavar="FILE", help=f"the state file ({env})")
        q.add_argument("--config", metavar="FILE", help="YAML config file (its merchants)")
        if name == "import":
            q.add_argument(
                "--replace", action="store_true", help="drop what the state file holds first"
            )
        q.set_defaults(func=cmd_export if name == "export" else cmd_import)


def _backend(args: argparse.Namespace) -> Any:
    from vexora_sandbox.config import load_config
    from vexora_sandbox.state.sqlite import SqliteBackend

    config = load_config({"state": args.state, "config": args.config})
    if not config.state:
        raise UsageError(f"no state file: give --state FILE (or set {_state_env()})")
    backend = SqliteBackend(config.state)
    backend.open()
    return config, backend


def cmd_export(args: argparse.Namespace) -> int:
    from vexora_sandbox.state.transfer import export_lines

    _, backend = _backend(args)
    try:
        lines = list(export_lines(backend))
    finally:
        backend.close()
    text = "".join(line + "\n" for line in lines)
    if args.path == "-":
        sys.stdout.write(text)
    else:
        try:
            with open(args.path, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write {args.path}: {exc.strerror or exc}") from None
    print(f"exported {count(len(lines) - 1, 'row')} from {backend.location}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from vexora_sandbox.state.transfer import TransferError, import_lines

    config, backend = _backend(args)
    try:
        if args.path == "-":
            orders = import_lines(backend, sys.stdin, "stdin", config, replace=args.replace)
        else:
            try:
                with open(args.path, encoding="utf-8") as text:
                    orders = import_lines(backend, text, args.path, config, replace=args.replace)
            except OSError as exc:
                raise UsageError(f"cannot read {args.path}: {exc.strerror or exc}") from None
    except TransferError as exc:
        raise UsageError(str(exc)) from None
    finally:
        backend.close()
    print(f"imported {count(orders, 'order')} into {backend.location}", file=sys.stderr)
    return 0
