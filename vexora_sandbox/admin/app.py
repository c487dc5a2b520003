"""The admin API as an aiohttp sub-application mounted at ``/_sandbox/``.

Its own middleware (``admin.common.admin_middleware``) checks the admin token and answers
every error as JSON, so nothing on the gateway's side looks at a path prefix. Handlers
read the sandbox's state through ``request.config_dict``, which reaches the parent
application's keys. docs/admin-api.md lists the routes.
"""

from __future__ import annotations

from aiohttp import web

from vexora_sandbox.admin import (
    control,
    health,
    inspect,
    merchants,
    metrics,
    openapi,
    payer,
    scenarios,
    settle,
    verify,
)
from vexora_sandbox.admin.common import admin_middleware
from vexora_sandbox.admin.ui import setup_ui

PREFIX = "/_sandbox"


def create_admin_app() -> web.Application:
    admin = web.Application(middlewares=[admin_middleware])
    health.setup_routes(admin)
    inspect.setup_routes(admin)
    control.setup_routes(admin)
    payer.setup_routes(admin)
    settle.setup_routes(admin)
    setup_ui(admin)  # the dashboard, /_sandbox/ui
    metrics.setup_routes(admin)
    merchants.setup_routes(admin)
    scenarios.setup_routes(admin)
    verify.setup_routes(admin)
    openapi.setup_routes(admin)
    return admin
