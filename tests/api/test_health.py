"""GET /_sandbox/health: what a container health check or a test harness polls."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

import vexora_sandbox

Client = TestClient[web.Request, web.Application]


async def test_health_answers_ok_and_the_version(client: Client) -> None:
    response = await client.get("/_sandbox/health")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == {"status": "ok", "version": vexora_sandbox.__version__}
