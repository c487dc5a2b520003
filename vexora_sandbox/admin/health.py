"""``GET /_sandbox/health``: for container health checks and test harnesses."""

from __future__ import annotations

from aiohttp import web

from vexora_sandbox._version import __version__
from vexora_sandbox.api.middleware import json_response


async def health(request: web.Request) -> web.Response:
    return json_response({"status": "ok", "version": __version__})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/_sandbox/health", health)
