"""``GET /_sandbox/openapi.json``: the OpenAPI 3.1 document of this sandbox (docs/openapi.md)."""

from __future__ import annotations

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.admin.common import AdminError
from vexora_sandbox.openapi import document
from vexora_sandbox.responses import json_response


async def openapi(request: web.Request) -> web.Response:
    """Generated from this sandbox's areas (extra area files included); ``?area=`` limits it."""
    area = request.query.get("area") or None
    config = request.config_dict[keys.CONFIG]
    server = config.public_url or str(request.url.origin())
    areas = request.config_dict[keys.AREAS]
    try:
        doc = document(areas, area=area, server=server)
    except KeyError:
        raise AdminError(404, f"unknown area {area!r}") from None
    return json_response(doc)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/openapi.json", openapi)
