"""The gateway's URL space: ``/v1/vexora/<endpoint>`` and ``/<area>/v1/vexora/<endpoint>``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from vexora_sandbox.api import balance, checkout_page, payins, payouts
from vexora_sandbox.errors import GatewayError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ENDPOINTS: dict[str, Handler] = {
    "disbursements": payouts.disbursements,
    "queryPayOutResult": payouts.query_payout,
    "checkout": payins.checkout,
    "deposits": payins.deposits,
    "payinSubmit": payins.payin_submit,
    "payInSubmit": payins.pay_in_submit,
    "queryPayInResult": payins.query_payin,
    "queryBalance": balance.query_balance,
}


async def dispatch(request: web.Request) -> web.StreamResponse:
    name = request.match_info["endpoint"]
    handler = ENDPOINTS.get(name)
    if handler is None:
        raise GatewayError(
            f"unknown endpoint {name!r}; the sandbox serves: {', '.join(ENDPOINTS)}",
            http_status=404,
        )
    return await handler(request)


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/v1/vexora/{endpoint}", dispatch)
    app.router.add_post("/{area}/v1/vexora/{endpoint}", dispatch)
    # The pay-ins' hosted payment page (api.checkout_page).
    app.router.add_get(checkout_page.PAGE, checkout_page.show)
    app.router.add_post(checkout_page.PAGE, checkout_page.act)
