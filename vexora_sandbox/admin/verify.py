"""Request verification: which gateway calls match a filter, and how many.

``GET /_sandbox/requests`` lists them; ``GET /_sandbox/requests/count`` counts them, so
a test in any language can assert "exactly one payout was sent" or "no call was refused".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.admin.common import AdminError, merchant_filter
from vexora_sandbox.responses import json_response

Entry = dict[str, Any]
# The filters both routes take (docs/admin-api.md); each is optional and they combine.
FILTERS = ("merchantNo", "endpoint", "tradeNo", "code", "httpStatus", "scenario")


def _code(entry: Entry) -> str | None:
    response = entry.get("response")
    return response.get("code") if isinstance(response, dict) else None


def entry_filter(request: web.Request) -> Callable[[Entry], bool]:
    """A predicate for journal entries from the query's filters; 400/404 for bad ones."""
    q = request.query
    merchant_filter(request)
    http_status: int | None = None
    if q.get("httpStatus"):
        if not q["httpStatus"].isdigit():
            raise AdminError(400, f"httpStatus must be a number; got {q['httpStatus']!r}")
        http_status = int(q["httpStatus"])

    def keep(e: Entry) -> bool:
        return (
            (not q.get("merchantNo") or e.get("merchantNo") == q["merchantNo"])
            and (not q.get("endpoint") or e.get("endpoint") == q["endpoint"])
            and (not q.get("tradeNo") or (e.get("body") or {}).get("tradeNo") == q["tradeNo"])
            and (not q.get("code") or _code(e) == q["code"])
            and (http_status is None or e.get("httpStatus") == http_status)
            and (not q.get("scenario") or e.get("scenario") == q["scenario"])
        )

    return keep


async def count(request: web.Request) -> web.Response:
    """How many journaled calls match; ``dropped`` says whether older ones were forgotten."""
    keep = entry_filter(request)
    journal = request.config_dict[keys.REQUESTS]
    return json_response({"count": sum(1 for e in journal if keep(e)), "dropped": journal.dropped})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/requests/count", count)
