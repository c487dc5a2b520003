"""create_app: wiring only, no I/O beyond reading the bundled data files."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.admin import health
from vexora_sandbox.api import routes
from vexora_sandbox.api.middleware import gateway_middleware
from vexora_sandbox.config import SandboxConfig
from vexora_sandbox.domain.clock import Clock, IdFactory, ManualClock, SystemClock
from vexora_sandbox.domain.payments import Payments
from vexora_sandbox.domain.store import Store
from vexora_sandbox.errors import ConfigError, ConfigProblem
from vexora_sandbox.journal import Journal
from vexora_sandbox.protocol.rules import Area, load_areas


def _areas(config: SandboxConfig) -> dict[str, Area]:
    extra = [Path(config.areas_dir)] if config.areas_dir else []
    areas = load_areas(extra)
    problems = [
        ConfigProblem(
            config.config_file or "merchants",
            f"merchant {m.merchant_no} names an unknown area {m.area!r}; known areas: "
            + ", ".join(sorted(a for a in areas if not a.startswith("_"))),
        )
        for m in config.merchants
        if m.area not in areas or m.area.startswith("_")
    ]
    if problems:
        raise ConfigError(problems)
    return areas


def create_app(
    config: SandboxConfig | None = None, *, clock: Clock | None = None
) -> web.Application:
    """The sandbox as an aiohttp application; raises ConfigError for a bad configuration."""
    config = config or SandboxConfig()
    if clock is None:
        clock = ManualClock() if config.clock == "manual" else SystemClock()
    app = web.Application(
        middlewares=[gateway_middleware],
        # The body limit is enforced (with the gateway's envelope) in api.gateway; aiohttp's
        # own limit sits just above it so that the envelope, not an HTML 413, is what users see.
        client_max_size=config.max_body_bytes + 1,
    )
    store = Store(config.merchants)
    ids = IdFactory(config.seed)
    app[keys.CONFIG] = config
    app[keys.CLOCK] = clock
    app[keys.IDS] = ids
    app[keys.STORE] = store
    app[keys.PAYMENTS] = Payments(store, clock, ids)
    app[keys.AREAS] = _areas(config)
    app[keys.REQUESTS] = Journal(config.journal_size)
    app[keys.ERRORS] = []
    routes.setup_routes(app)
    health.setup_routes(app)
    return app
