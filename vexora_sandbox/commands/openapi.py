"""``openapi``: print the OpenAPI 3.1 document generated from the area files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from vexora_sandbox.commands.common import HelpFormatter, UsageError


def register(sub: Any) -> None:
    """Add ``openapi`` to the subparsers ``sub``."""
    p = sub.add_parser(
        "openapi",
        help="print the OpenAPI 3.1 document (gateway, callbacks, admin API)",
        description="Print the sandbox's OpenAPI 3.1 document, generated from the area "
        "rule files: every area's endpoints with their field rules as JSON Schema, the "
        "callbacks as webhooks, and the /_sandbox/ admin API. A running sandbox serves the "
        "same document at GET /_sandbox/openapi.json.",
        epilog="example: vexora-sandbox openapi > vexora.openapi.json\n"
        "         vexora-sandbox openapi --area indonesia --server http://sandbox:8080",
        formatter_class=HelpFormatter,
    )
    p.add_argument("--area", metavar="A", help="only this area's endpoints")
    p.add_argument("--areas-dir", metavar="DIR", help="extra area rule files, as for serve")
    p.add_argument(
        "--server",
        metavar="URL",
        help="the base URL the document names (default http://127.0.0.1:8080)",
    )
    p.set_defaults(func=cmd_openapi)


def cmd_openapi(args: argparse.Namespace) -> int:
    from vexora_sandbox.openapi import document
    from vexora_sandbox.protocol.rules import load_areas

    areas = load_areas([Path(args.areas_dir)] if args.areas_dir else [])
    try:
        doc = document(areas, area=args.area, server=args.server)
    except KeyError:
        known = ", ".join(sorted(a for a in areas if not a.startswith("_")))
        raise UsageError(f"unknown area {args.area!r}; known areas: {known}") from None
    json.dump(doc, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0
