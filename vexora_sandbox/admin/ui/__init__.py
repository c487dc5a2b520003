"""The web dashboard at ``/_sandbox/ui``: pages, buttons and live updates (docs/dashboard.md)."""

from __future__ import annotations

from aiohttp import web

from vexora_sandbox.admin.ui.actions import setup_actions
from vexora_sandbox.admin.ui.live import setup_live
from vexora_sandbox.admin.ui.pages import setup_pages
from vexora_sandbox.admin.ui.state import UI, UiState


def setup_ui(admin: web.Application) -> None:
    admin[UI] = UiState()  # the templates load on the first page shown (pages.templates)
    setup_pages(admin)
    setup_actions(admin)
    setup_live(admin)
