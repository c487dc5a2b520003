"""``queryBalance``: the merchant's available, frozen and unsettled amounts."""

from __future__ import annotations

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.api.gateway import read_call
from vexora_sandbox.api.outcome import answer, choose_scenario, refused


async def query_balance(request: web.Request) -> web.StreamResponse:
    call = await read_call(request, "queryBalance")
    scenario = choose_scenario(request, call)
    if refused(scenario):
        return await answer(request, scenario, lambda: None)
    # Reading the balance settles every collection that is due by now (domain.ledger).
    ledger = request.app[keys.PAYMENTS].balance(call.merchant.merchant_no)
    return await answer(request, scenario, ledger.as_wire)
