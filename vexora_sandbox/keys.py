"""Every ``web.AppKey`` of the application: shared state hangs off the app, never a module."""

from __future__ import annotations

from aiohttp import web

from vexora_sandbox.callbacks.dispatcher import Dispatcher
from vexora_sandbox.config import SandboxConfig
from vexora_sandbox.domain.clock import Clock, IdFactory
from vexora_sandbox.domain.payments import Payments
from vexora_sandbox.domain.store import Store
from vexora_sandbox.events import Events
from vexora_sandbox.gcpolicy import GCPolicy
from vexora_sandbox.journal import Journal
from vexora_sandbox.protocol.rules import Area
from vexora_sandbox.scenarios.registry import ScenarioRegistry
from vexora_sandbox.state.writer import StateWriter

CONFIG = web.AppKey("vexora_sandbox.config", SandboxConfig)
CLOCK = web.AppKey("vexora_sandbox.clock", Clock)
IDS = web.AppKey("vexora_sandbox.ids", IdFactory)
STORE = web.AppKey("vexora_sandbox.store", Store)
PAYMENTS = web.AppKey("vexora_sandbox.payments", Payments)
AREAS = web.AppKey("vexora_sandbox.areas", dict[str, Area])
SCENARIOS = web.AppKey("vexora_sandbox.scenarios", ScenarioRegistry)
DISPATCHER = web.AppKey("vexora_sandbox.dispatcher", Dispatcher)
GC_POLICY = web.AppKey("vexora_sandbox.gc_policy", GCPolicy)
# Set with --state only: the gateway's answers wait for its commits.
STATE = web.AppKey("vexora_sandbox.state", StateWriter)
REQUESTS = web.AppKey("vexora_sandbox.requests", Journal)
# Unexpected exceptions raised while serving: a test harness re-raises them in the test.
ERRORS = web.AppKey("vexora_sandbox.errors", list[BaseException])
# The observer hook: each gateway call and callback attempt, for the console, metrics, UI.
EVENTS = web.AppKey("vexora_sandbox.events", Events)
