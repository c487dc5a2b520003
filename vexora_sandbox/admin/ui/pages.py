"""The dashboard's pages: calls, orders, one order, balances, scenarios (all read-only).

Rendered by Jinja2 with every value escaped; each answer carries a strict Content
Security Policy like the payment page's: scripts and styles only from the sandbox itself.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.admin.ui import timeline
from vexora_sandbox.admin.ui.auth import BASE, page, see_other
from vexora_sandbox.admin.ui.state import UI
from vexora_sandbox.api import repeats
from vexora_sandbox.domain.clock import epoch_ms
from vexora_sandbox.errors import NotFound
from vexora_sandbox.scenarios.model import DEFAULT_SCENARIO, Scenario

CALLS_SHOWN = 200
ORDERS_SHOWN = 500
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on the
    # forms' POSTs, and the Origin check (auth.csrf_ok) needs the real one.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def ms_text(ms: int | None) -> str:
    if ms is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000)) + f".{ms % 1000:03d}"


def pretty(value: Any) -> str:
    """JSON for reading; escaped by the template like any other text."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def templates(request: web.Request) -> Any:
    """The Jinja2 environment, made on the first page shown: importing Jinja2 and reading
    the templates is no part of a start-up that may never show a page."""
    state = request.app[UI]
    if state.templates is None:
        import jinja2

        env = jinja2.Environment(
            loader=jinja2.PackageLoader("vexora_sandbox.admin.ui", "templates"),
            autoescape=True,  # every value escaped, in HTML and in the SVG alike
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["ms"] = ms_text
        env.filters["pretty"] = pretty
        state.templates = env
    return state.templates


def render(
    request: web.Request, name: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    clock = request.config_dict[keys.CLOCK]
    common = {
        "base": BASE,
        "csrf": request.app[UI].csrf,
        "here": request.path_qs,
        "done": request.query.get("done", ""),
        "now": epoch_ms(clock.now()),
        "manual": clock.manual,
    }
    text = templates(request).get_template(name).render({**common, **context})
    return web.Response(
        text=text, status=status, content_type="text/html", charset="utf-8", headers=HEADERS
    )


def not_found(request: web.Request, message: str) -> web.Response:
    return render(request, "message.html", {"title": "Not found", "message": message}, status=404)


@page
async def home(request: web.Request) -> web.StreamResponse:
    return see_other(f"{BASE}/calls")


def _call_matches(entry: dict[str, Any], q: Any) -> bool:
    body = entry.get("body") if isinstance(entry.get("body"), dict) else {}
    return (
        (not q.get("merchantNo") or entry.get("merchantNo") == q["merchantNo"])
        and (not q.get("endpoint") or entry.get("endpoint") == q["endpoint"])
        and (not q.get("tradeNo") or (body or {}).get("tradeNo") == q["tradeNo"])
    )


@page
async def calls(request: web.Request) -> web.StreamResponse:
    journal = request.config_dict[keys.REQUESTS]
    q = request.query
    entries = [e for e in reversed(list(journal)) if _call_matches(e, q)][:CALLS_SHOWN]
    return render(
        request,
        "calls.html",
        {"entries": entries, "q": q, "dropped": journal.dropped, "shown": CALLS_SHOWN},
    )


@page
async def orders(request: web.Request) -> web.StreamResponse:
    q = request.query
    store = request.config_dict[keys.STORE]
    callbacks: dict[int, int] = {}
    for delivery in request.config_dict[keys.DISPATCHER].deliveries:
        callbacks[id(delivery.order)] = callbacks.get(id(delivery.order), 0) + 1
    found = [
        o
        for o in store.orders()
        if (not q.get("merchantNo") or o.merchant_no == q["merchantNo"])
        and (not q.get("area") or o.area == q["area"])
        and (not q.get("tradeNo") or q["tradeNo"] in o.trade_no)
        and (not q.get("status") or o.status == q["status"])
    ]
    found.sort(key=lambda o: o.created_at, reverse=True)
    return render(
        request,
        "orders.html",
        {
            "orders": found[:ORDERS_SHOWN],
            "count": len(found),
            "q": q,
            "merchants": [m.merchant_no for m in store.merchants()],
            "areas": sorted({o.area for o in store.orders()}),
            "callback_count": lambda o: callbacks.get(id(o), 0),
            "created_ms": lambda o: epoch_ms(o.created_at),
        },
    )


@page
async def order(request: web.Request) -> web.StreamResponse:
    merchant, trade_no = request.match_info["merchantNo"], request.match_info["tradeNo"]
    try:
        found = request.config_dict[keys.STORE].order(merchant, trade_no)
    except NotFound:
        return not_found(request, f"There is no order {trade_no} of merchant {merchant}.")
    deliveries = [d for d in request.config_dict[keys.DISPATCHER].deliveries if d.order is found]
    calls = [
        e
        for e in request.config_dict[keys.REQUESTS]
        if e.get("merchantNo") == merchant
        and isinstance(e.get("body"), dict)
        and e["body"].get("tradeNo") == trade_no
    ]
    return render(
        request,
        "order.html",
        {
            "order": found,
            "created_ms": epoch_ms(found.created_at),
            "history": [(epoch_ms(c.at), c.status, c.message) for c in found.history],
            "deliveries": deliveries,
            "timeline": timeline.build(found, deliveries),
            "calls": calls,
            # Australia and Mexico: a paid pay-in takes more payments (api.repeats).
            "takes_repeats": repeats.refusal(found) is None,
            "repeats": [(epoch_ms(r.at), r.amount, r.status) for r in found.repeats],
        },
    )


@page
async def balances(request: web.Request) -> web.StreamResponse:
    store = request.config_dict[keys.STORE]
    payments = request.config_dict[keys.PAYMENTS]
    areas = request.config_dict[keys.AREAS]
    rows = []
    for merchant in store.merchants():
        # Balances are per currency: the one of the merchant's own area, as queryBalance
        # without an area prefix answers it.
        area = areas.get(merchant.area)
        ledger = payments.balance(merchant.merchant_no, area.currency if area else "")
        orders_count = sum(1 for _ in store.orders(merchant.merchant_no))
        rows.append((merchant, ledger.as_wire(), orders_count))
    return render(request, "balances.html", {"rows": rows})


def magic(scenario: Scenario) -> list[str]:
    """The values that pick a scenario, in words."""
    m = scenario.match
    said: list[str] = []
    for condition in m.account:
        value = getattr(condition.value, "pattern", condition.value)
        said.append(f"account {condition.op} {value}")
    for name, conditions in m.body:
        for condition in conditions:
            value = getattr(condition.value, "pattern", condition.value)
            said.append(f"{name} {condition.op} {value}")
    if m.merchant_nos:
        said.append("merchant " + ", ".join(m.merchant_nos))
    if m.areas:
        said.append("area " + ", ".join(m.areas))
    return said


@page
async def scenarios(request: web.Request) -> web.StreamResponse:
    registry = request.config_dict[keys.SCENARIOS]
    shown = [(s, magic(s)) for s in (*registry.current.scenarios, DEFAULT_SCENARIO)]
    return render(
        request,
        "scenarios.html",
        {"scenarios": shown, "path": str(registry.path), "error": registry.last_error},
    )


def setup_pages(admin: web.Application) -> None:
    admin.router.add_get("/ui", home, name="ui:home")
    admin.router.add_get("/ui/", home, name="ui:home-slash")
    admin.router.add_get("/ui/calls", calls, name="ui:calls")
    admin.router.add_get("/ui/orders", orders, name="ui:orders")
    admin.router.add_get("/ui/orders/{merchantNo}/{tradeNo}", order, name="ui:order")
    admin.router.add_get("/ui/balances", balances, name="ui:balances")
    admin.router.add_get("/ui/scenarios", scenarios, name="ui:scenarios")
