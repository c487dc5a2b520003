"""create_app: wiring only, no I/O beyond reading the bundled data files."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from vexora_sandbox import gcpolicy, keys
from vexora_sandbox.admin.app import PREFIX as ADMIN_PREFIX
from vexora_sandbox.admin.app import create_admin_app
from vexora_sandbox.admin.metrics import attach as count_metrics
from vexora_sandbox.api import routes
from vexora_sandbox.callbacks.dispatcher import Dispatcher
from vexora_sandbox.config import SandboxConfig
from vexora_sandbox.domain.clock import Clock, IdFactory, ManualClock, SystemClock
from vexora_sandbox.domain.payments import Payments
from vexora_sandbox.domain.store import Store
from vexora_sandbox.errors import ConfigError, ConfigProblem
from vexora_sandbox.events import Events
from vexora_sandbox.journal import Journal
from vexora_sandbox.protocol.rules import Area, load_areas
from vexora_sandbox.scenarios.registry import ScenarioRegistry
from vexora_sandbox.state.sqlite import SqliteBackend
from vexora_sandbox.state.writer import StateWriter
from vexora_sandbox.yamlfile import key_path, read_yaml

log = logging.getLogger("vexora_sandbox")
WATCH_INTERVAL = 1.0


def _areas(config: SandboxConfig) -> dict[str, Area]:
    extra = [Path(config.areas_dir)] if config.areas_dir else []
    areas = load_areas(extra)
    known = sorted(a for a in areas if not a.startswith("_"))
    problems = [
        _unknown_area(config, index, merchant.merchant_no, merchant.area, known)
        for index, merchant in enumerate(config.merchants)
        if merchant.area not in known
    ]
    if problems:
        raise ConfigError(problems)
    return areas


def _unknown_area(
    config: SandboxConfig, index: int, merchant_no: str, area: str, known: list[str]
) -> ConfigProblem:
    message = f"merchant {merchant_no} names an unknown area {area!r}; known areas: " + ", ".join(
        known
    )
    if config.config_file is None:
        return ConfigProblem("merchants", message)
    # Read again only to point at the line: this is the error path.
    path: tuple[str | int, ...] = ("merchants", index, "area")
    line = read_yaml(config.config_file).line_of(path)
    return ConfigProblem(config.config_file, message, line, key_path(path))


def create_app(
    config: SandboxConfig | None = None, *, clock: Clock | None = None
) -> web.Application:
    """The sandbox as an aiohttp application; raises ConfigError for a bad configuration."""
    config = config or SandboxConfig()
    if clock is None:
        clock = ManualClock() if config.clock == "manual" else SystemClock()
    app = web.Application(
        # The body limit is enforced (with the gateway's envelope) in api.checks; aiohttp's
        # own limit sits just above it so that the envelope, not an HTML 413, is what users see.
        client_max_size=config.max_body_bytes + 1,
        # Bodies arrive as sent: protocol.encoding decodes them, with an envelope on error.
        handler_args={"auto_decompress": False},
    )
    store = Store(config.merchants)
    ids = IdFactory(config.seed)
    app[keys.CONFIG] = config
    app[keys.CLOCK] = clock
    app[keys.IDS] = ids
    app[keys.STORE] = store
    # Settlement is business time, scaled like every callback delay.
    payments = Payments(
        store, clock, ids, settlement_delay=config.settlement_delay * config.time_scale
    )
    app[keys.PAYMENTS] = payments
    app[keys.AREAS] = _areas(config)
    app[keys.REQUESTS] = Journal(config.journal_size)
    app[keys.ERRORS] = []
    app[keys.SCENARIOS] = ScenarioRegistry(config.scenarios)
    events = app[keys.EVENTS] = Events()
    app[keys.DISPATCHER] = Dispatcher(
        config=config,
        clock=clock,
        store=store,
        payments=payments,
        errors=app[keys.ERRORS],
        events=events,
    )
    count_metrics(app)  # /_sandbox/metrics
    if config.state:
        app[keys.STATE] = StateWriter(
            SqliteBackend(config.state),
            payments=payments,
            dispatcher=app[keys.DISPATCHER],
            clock=clock,
            ids=ids,
            keep=config.journal_size,
            scenarios=app[keys.SCENARIOS],
            areas=app[keys.AREAS],
        )
        # Before the dispatcher: it starts with the pending callbacks the file kept, and
        # stops before the last commit.
        app.cleanup_ctx.append(_state)
    app.cleanup_ctx.append(_dispatcher)
    app[keys.GC_POLICY] = gcpolicy.install(app, ids.issued)
    if config.watch:
        app.cleanup_ctx.append(_watcher)
    # Order matters: the gateway's routes and the payer's page, the admin sub-application,
    # then the gateway's envelope for every other URL.
    routes.setup_routes(app)
    app.add_subapp(ADMIN_PREFIX, create_admin_app())
    routes.setup_fallback(app)
    return app


async def _state(app: web.Application) -> AsyncIterator[None]:
    writer = app[keys.STATE]
    await writer.start()
    yield
    await writer.close()


async def _dispatcher(app: web.Application) -> AsyncIterator[None]:
    dispatcher = app[keys.DISPATCHER]
    await dispatcher.start()
    yield
    await dispatcher.stop()


async def _watcher(app: web.Application) -> AsyncIterator[None]:
    """``--watch``: reload the scenarios when a file changes (polling: no extra dependency)."""

    async def watch() -> None:
        registry = app[keys.SCENARIOS]
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            if registry.changed():
                with contextlib.suppress(ConfigError):
                    registry.reload()

    task = asyncio.create_task(watch(), name="vexora-scenario-watcher")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
