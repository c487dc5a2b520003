"""``GET /_sandbox/health``: for container health checks and test harnesses."""

from __future__ import annotations

from aiohttp import web

from vexora_sandbox._version import __version__
from vexora_sandbox.responses import json_response

# The one admin route that never needs the admin token: container health checks use it.
PUBLIC_ROUTE = "health"


async def health(request: web.Request) -> web.Response:
    return json_response({"status": "ok", "version": __version__})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/health", health, name=PUBLIC_ROUTE)
