"""``POST /_sandbox/settle``: settle collected pay-ins now instead of waiting for T+1."""

from __future__ import annotations

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.admin.common import AdminError, read_json
from vexora_sandbox.errors import NotFound
from vexora_sandbox.responses import json_response


async def settle(request: web.Request) -> web.Response:
    """Move everything unsettled to available, due or not: of one merchant (body or query
    ``merchantNo``), or of every merchant. Answers what moved and the balances after, by
    merchant and currency (the area's ``currency``; ``""`` for an area without one)."""
    body = await read_json(request)
    merchant = body.get("merchantNo") or request.query.get("merchantNo") or None
    payments = request.config_dict[keys.PAYMENTS]
    if merchant is not None:
        try:
            payments.store.merchant(str(merchant))
        except NotFound as exc:
            raise AdminError(404, str(exc)) from None
    moved = payments.settle(None if merchant is None else str(merchant))
    # By merchant and currency: balances are kept per currency (domain.store).
    return json_response(
        {
            "settled": {
                number: {currency: f"{amount:.2f}" for currency, amount in by_currency.items()}
                for number, by_currency in moved.items()
            },
            "balances": {
                number: {
                    currency: payments.balance(number, currency).as_wire()
                    for currency in by_currency
                }
                for number, by_currency in moved.items()
            },
        }
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/settle", settle)
