"""``/_sandbox/merchants``: merchants created, listed and removed at runtime.

A test suite in any language creates its own merchant and so gets its own orders,
callbacks, journal entries, runtime scenarios and reset (docs/admin-api.md).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.admin.common import AdminError, read_json
from vexora_sandbox.admin.control import reset_state
from vexora_sandbox.domain.store import Merchant
from vexora_sandbox.errors import NotFound
from vexora_sandbox.responses import json_response

FIELDS = ("merchantNo", "secret", "area", "balance", "notifyUrl")
MERCHANT_NO = re.compile(r"[0-9]{10}")
DEFAULT_BALANCE = Decimal("100000000")
MAX_SECRET = 256
MAX_URL = 2048
MAX_BALANCE = Decimal("1e15")
# A bound on runtime merchants, so that a runaway suite cannot grow the sandbox forever.
MAX_RUNTIME_MERCHANTS = 10_000


def merchant_json(request: web.Request, merchant: Merchant) -> dict[str, Any]:
    """A merchant as the admin API shows it: never its secret."""
    area = request.config_dict[keys.AREAS].get(merchant.area)
    currency = area.currency if area else ""
    balance = request.config_dict[keys.PAYMENTS].balance(merchant.merchant_no, currency)
    return {
        "merchantNo": merchant.merchant_no,
        "area": merchant.area,
        "balance": f"{merchant.balance:.2f}",
        "notifyUrl": merchant.notify_url or None,
        "runtime": merchant.runtime,
        "balances": balance.as_wire(),
    }


def _text(body: dict[str, Any], name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise AdminError(400, f"{name} must be a non-empty string")
    if len(value) > limit:
        raise AdminError(400, f"{name} must be at most {limit} characters; got {len(value)}")
    return value


def _balance(raw: Any) -> Decimal:
    if raw is None:
        return DEFAULT_BALANCE
    problem = f'balance must be a non-negative amount such as "5000.00"; got {raw!r}'
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise AdminError(400, problem)
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise AdminError(400, problem) from None
    if not value.is_finite() or value < 0 or value > MAX_BALANCE:
        raise AdminError(400, problem)
    return value


def _notify_url(raw: str | None) -> str | None:
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in raw:
        raise AdminError(400, f"notifyUrl must be an absolute http(s) URL; got {raw!r}")
    return raw


def _fresh_number(request: web.Request) -> str:
    store = request.config_dict[keys.STORE]
    ids = request.config_dict[keys.IDS]
    while True:
        # Digits from the injected id source: reproducible under --seed.
        number = "".join(str(int(c, 36) % 10) for c in ids.token(10))
        try:
            store.merchant(number)
        except NotFound:
            return number


async def create(request: web.Request) -> web.Response:
    """Create a merchant; the answer is the only place its secret is ever shown."""
    body = await read_json(request)
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise AdminError(400, f"unknown field {unknown[0]!r}; the fields: {', '.join(FIELDS)}")
    store = request.config_dict[keys.STORE]
    number = _text(body, "merchantNo", 10)
    if number is not None and not MERCHANT_NO.fullmatch(number):
        raise AdminError(400, f"merchantNo must be 10 digits; got {number!r}")
    secret = _text(body, "secret", MAX_SECRET)
    area = _text(body, "area", 64) or "default"
    areas = request.config_dict[keys.AREAS]
    if area.startswith("_") or area not in areas:
        known = ", ".join(sorted(a for a in areas if not a.startswith("_")))
        raise AdminError(400, f"unknown area {area!r}; known areas: {known}")
    balance = _balance(body.get("balance"))
    notify_url = _notify_url(_text(body, "notifyUrl", MAX_URL))
    if sum(m.runtime for m in store.merchants()) >= MAX_RUNTIME_MERCHANTS:
        raise AdminError(
            409, f"the sandbox has {MAX_RUNTIME_MERCHANTS} runtime merchants; delete some first"
        )
    merchant = Merchant(
        number or _fresh_number(request),
        secret or request.config_dict[keys.IDS].token(32),
        area,
        balance,
        notify_url or "",
        runtime=True,
    )
    try:
        store.add_merchant(merchant)
    except ValueError as exc:
        raise AdminError(409, str(exc)) from None
    return json_response(
        {**merchant_json(request, merchant), "secret": merchant.secret}, status=201
    )


async def listing(request: web.Request) -> web.Response:
    merchants = request.config_dict[keys.STORE].merchants()
    return json_response(
        {"merchants": [merchant_json(request, m) for m in merchants], "count": len(merchants)}
    )


def _merchant(request: web.Request) -> Merchant:
    number = request.match_info["merchantNo"]
    try:
        return request.config_dict[keys.STORE].merchant(number)
    except NotFound:
        raise AdminError(404, f"merchant {number} is not configured") from None


async def one(request: web.Request) -> web.Response:
    return json_response(merchant_json(request, _merchant(request)))


async def delete(request: web.Request) -> web.Response:
    """Remove a runtime merchant with its orders, callbacks, journal entries and scenarios."""
    merchant = _merchant(request)
    if not merchant.runtime:
        raise AdminError(
            409,
            f"merchant {merchant.merchant_no} comes from the configuration; only merchants "
            "created through POST /_sandbox/merchants can be removed",
        )
    store = request.config_dict[keys.STORE]
    orders = sum(1 for _ in store.orders(merchant.merchant_no))
    cancelled = await reset_state(request.config_dict, merchant.merchant_no)
    store.remove_merchant(merchant.merchant_no)
    return json_response(
        {
            "deleted": merchant.merchant_no,
            "deletedOrders": orders,
            "cancelledCallbacks": cancelled,
        }
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/merchants", create)
    app.router.add_get("/merchants", listing)
    app.router.add_get("/merchants/{merchantNo}", one)
    app.router.add_delete("/merchants/{merchantNo}", delete)
