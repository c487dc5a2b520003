"""The web dashboard at ``/_sandbox/ui``: pages, buttons and live updates (docs/dashboard.md)."""

from __future__ import annotations

import aiohttp_jinja2
import jinja2
from aiohttp import web

from vexora_sandbox.admin.ui.actions import setup_actions
from vexora_sandbox.admin.ui.live import setup_live
from vexora_sandbox.admin.ui.pages import ms_text, pretty, setup_pages
from vexora_sandbox.admin.ui.state import UI, UiState

# Route names of the dashboard: admin.common lets them through; they check access
# themselves (a cookie, a login form) instead of answering JSON 401s.
ROUTE_PREFIX = "ui:"


def setup_ui(admin: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        admin,
        loader=jinja2.PackageLoader("vexora_sandbox.admin.ui", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ms"] = ms_text
    env.filters["pretty"] = pretty
    admin[UI] = UiState()
    setup_pages(admin)
    setup_actions(admin)
    setup_live(admin)
