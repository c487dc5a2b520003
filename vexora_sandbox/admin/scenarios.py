"""``/_sandbox/scenarios``: the scenarios in force, and runtime scenarios added over HTTP.

A runtime scenario has the files' format and checks (docs/scenarios.md); it is scoped to
one merchant (``?merchantNo=``) or global, and is matched before every file scenario: a
merchant's own first, then the global ones. A merchant's go with its reset.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.admin.common import AdminError, merchant_filter
from vexora_sandbox.admin.control import relative
from vexora_sandbox.errors import ConfigError
from vexora_sandbox.responses import json_response
from vexora_sandbox.scenarios.model import DEFAULT_SCENARIO, Scenario
from vexora_sandbox.scenarios.registry import parse_posted
from vexora_sandbox.state.hooks import scenarios_changed


def _json(
    scenario: Scenario, origin: str, merchant_no: str | None, root: Path | None = None
) -> dict[str, Any]:
    shown = scenario.as_json()
    if root is not None:  # a file's: shown relative to the scenario root
        shown["source"] = relative(str(shown["source"]), root)
    return {**shown, "origin": origin, "merchantNo": merchant_no}


async def listing(request: web.Request) -> web.Response:
    """Every scenario in matching order; with ``merchantNo``, those that apply to it."""
    registry = request.config_dict[keys.SCENARIOS]
    merchant = merchant_filter(request)
    scopes = registry.runtime_scopes()
    if merchant is not None:
        scopes = [s for s in (merchant, None) if s in scopes]
    else:
        # Every merchant's first (each is matched before the global ones), then global.
        scopes = [s for s in scopes if s is not None] + [s for s in scopes if s is None]
    runtime = [_json(s, "runtime", scope) for scope in scopes for s in registry.runtime(scope)]
    root = registry.path
    files = [_json(s, "file", None, root) for s in registry.current.scenarios]
    error = None if registry.last_error is None else relative(str(registry.last_error), root)
    return json_response(
        {
            "path": relative(str(root), root),
            "files": [relative(f, root) for f in registry.current.files],
            "generation": registry.generation,
            "lastError": error,
            "scenarios": runtime + files,
            "default": DEFAULT_SCENARIO.as_json(),
        }
    )


async def add(request: web.Request) -> web.Response:
    """Add runtime scenarios from a YAML or JSON body (one scenario, or a list)."""
    merchant = merchant_filter(request)
    raw = await request.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise AdminError(400, "the body is not UTF-8 text") from None
    if not text.strip():
        raise AdminError(400, "the body is empty; send a scenario in YAML or JSON")
    try:
        scenarios = parse_posted(text)
    except ConfigError as exc:
        return json_response(
            {
                "error": "the scenarios were not added: " + str(exc.problems[0]),
                "problems": [str(p) for p in exc.problems],
            },
            status=422,
        )
    registry = request.config_dict[keys.SCENARIOS]
    try:
        replaced = registry.add_runtime(scenarios, merchant)
    except ValueError as exc:
        raise AdminError(409, str(exc)) from None
    scenarios_changed(request.config_dict, merchant, (text, scenarios))
    return json_response(
        {
            "added": [s.name for s in scenarios],
            "replaced": replaced,
            "merchantNo": merchant,
            "scenarios": [_json(s, "runtime", merchant) for s in scenarios],
        },
        status=201,
    )


async def delete_one(request: web.Request) -> web.Response:
    """Delete a runtime scenario by name, from a merchant's scope or the global one."""
    merchant = merchant_filter(request)
    name = request.match_info["name"]
    registry = request.config_dict[keys.SCENARIOS]
    if registry.remove_runtime(merchant, name):
        scenarios_changed(request.config_dict, merchant)
        return json_response({"deleted": [name], "merchantNo": merchant})
    scope = f"of merchant {merchant}" if merchant else "global (add merchantNo for a merchant's)"
    if any(s.name == name for s in registry.current.scenarios):
        raise AdminError(
            409, f"scenario {name!r} comes from a file; edit the file and reload instead"
        )
    raise AdminError(404, f"no runtime scenario {name!r} {scope}")


async def delete_all(request: web.Request) -> web.Response:
    """Delete every runtime scenario of a scope: a merchant's, or the global ones."""
    merchant = merchant_filter(request)
    registry = request.config_dict[keys.SCENARIOS]
    names = [s.name for s in registry.runtime(merchant)]
    registry.remove_runtime(merchant)
    scenarios_changed(request.config_dict, merchant)
    return json_response({"deleted": names, "merchantNo": merchant})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/scenarios", listing)
    app.router.add_post("/scenarios", add)
    app.router.add_delete("/scenarios", delete_all)
    app.router.add_delete("/scenarios/{name}", delete_one)
