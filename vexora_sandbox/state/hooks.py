"""What the admin API and the payer's page tell the state layer (``--state``).

Answers outside the gateway's pipeline wait for their commit, as the gateway's do: the
admin API's changes (force a status, advance the clock, runtime merchants and
scenarios, reset, the dashboard's forms) and the payer's actions on the hosted payment
page are answered only once what they changed is in the state file: a sandbox killed
right after such an answer has it after the restart. In memory nothing waits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.errors import GatewayError
from vexora_sandbox.scenarios.model import Scenario

# Methods that change nothing: their answers never wait.
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def scenarios_changed(
    app: Mapping[Any, Any],
    merchant_no: str | None,
    posted: tuple[str, list[Scenario]] | None = None,
) -> None:
    """A scope's runtime scenarios changed (``posted``: the text just posted and what was
    read from it): the state file keeps the scope as the registry now holds it."""
    writer = app.get(keys.STATE)
    if writer is not None:
        registry = app[keys.SCENARIOS]
        writer.scenarios_changed(merchant_no, registry.runtime(merchant_no), posted)


class NotSaved(Exception):
    """The commit holding the change failed (the disk refused): the message says why."""


async def committed(app: Mapping[Any, Any]) -> None:
    """Wait for the commit of everything changed so far (the clock included); NotSaved if
    it fails. Nothing to wait for in memory, or when nothing changed."""
    writer = app.get(keys.STATE)
    if writer is None:
        return
    writer.note_meta()  # a manual clock's advance changes nothing else
    saved = writer.saved()
    if saved is None:
        return
    try:
        await saved
    except GatewayError as exc:
        raise NotSaved(exc.msg) from None


def after_commit(handler: Handler) -> Handler:
    """``handler``'s answer (a redirect included) once its change is committed; a 503 page
    saying why when the commit fails (the change is tried again with the next one)."""

    async def answered(request: web.Request) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                await _committed_or_503(request)
            raise
        await _committed_or_503(request)
        return response

    return answered


async def _committed_or_503(request: web.Request) -> None:
    try:
        await committed(request.config_dict)
    except NotSaved as exc:
        raise web.HTTPServiceUnavailable(text=str(exc)) from None
