"""The gateway's operations, one per endpoint and named after it.

An operation gets a call that passed every check and the scenario chosen for it, does the
endpoint's work through ``domain.payments`` (every write to an order goes there) and the
callback dispatcher, and returns the answer's ``data``. It raises GatewayError for a
request the gateway refuses (a repeated tradeNo, an unknown order). The pipeline in
``api.routes`` does everything around it. docs/payins.md describes the pay-in answers and
the P2P submit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.api.call import Checked
from vexora_sandbox.api.checkout_page import page_path
from vexora_sandbox.api.payin_flow import queue_callbacks, schedule_from_now
from vexora_sandbox.domain.orders import PROCESSING, Order, OrderKind, is_success
from vexora_sandbox.domain.payments import waits_for_submit
from vexora_sandbox.errors import GatewayError, NotFound
from vexora_sandbox.protocol import wire
from vexora_sandbox.protocol.jsonbody import Scalar
from vexora_sandbox.protocol.names import SUBMIT_ENDPOINTS, Endpoint
from vexora_sandbox.protocol.shapes import local_time, shapes_for
from vexora_sandbox.scenarios.model import Scenario

Run = Callable[[web.Application, Checked, Scenario], Any]
# What a scenario is matched on: the body and the area's account field.
MatchOn = Callable[[web.Application, Checked], tuple[Mapping[str, Scalar], str | None]]


@dataclass(frozen=True, slots=True)
class Operation:
    run: Run
    match_on: MatchOn | None = None  # None: the call's own body and account field


# --- orders ---------------------------------------------------------------------------


def _create(
    app: web.Application,
    call: Checked,
    kind: OrderKind,
    scenario: Scenario,
    *,
    awaits_submit: bool = False,
    extras: dict[str, str] | None = None,
) -> Order:
    """Store the order, moved on as the scenario answers, and queue its callbacks."""
    response = scenario.response
    # A page that makes notifyUrl optional uses "the callback address configured in the
    # merchant backend" (Mexico's payout page): the merchant's default notify URL.
    notify_url = call.text(wire.NOTIFY_URL) or call.merchant.notify_url
    order = app[keys.PAYMENTS].create(
        merchant_no=call.merchant.merchant_no,
        trade_no=call.text(wire.TRADE_NO),
        kind=kind,
        endpoint=call.endpoint,
        area=call.area.name,
        amount=call.text(wire.AMOUNT),
        notify_url=notify_url,
        remark=call.text(wire.REMARK),
        currency=call.area.currency,
        extras=extras,
        status=response.status,
        message=response.message,
        awaits_submit=awaits_submit,
    )
    # A P2P pay-in's callbacks come from its submit's scenario, once the payer submits.
    callbacks = () if order.awaits_submit else scenario.callbacks
    queue_callbacks(app, order, callbacks, scenario.name)
    return order


def _find(app: web.Application, call: Checked, kind: OrderKind) -> Order:
    """The merchant's order of that kind, or the gateway's "does not exist" error."""
    trade_no = call.text(wire.TRADE_NO)
    try:
        order = app[keys.STORE].order(call.merchant.merchant_no, trade_no)
    except NotFound as exc:
        raise GatewayError(str(exc)) from None
    app[keys.PAYMENTS].catch_up(order)
    if order.kind is not kind:
        other = Endpoint.QUERY_PAYIN if order.kind is OrderKind.PAYIN else Endpoint.QUERY_PAYOUT
        raise GatewayError(
            f"order {trade_no} does not exist as a {kind.value} "
            f"(it is a {order.kind.value}: query it with {other})"
        )
    return order


# --- payouts --------------------------------------------------------------------------


def _serial(app: web.Application, call: Checked) -> dict[str, str]:
    """``serialNumber`` for the answers whose page shows one (every deposit; Kenya's payout
    and checkout): ``SN`` and 18 letters or digits, reproducible with ``--seed``."""
    if (
        call.endpoint == Endpoint.DEPOSITS
        or call.endpoint in shapes_for(call.area.name).serial_number
    ):
        return {wire.SERIAL_NUMBER: "SN" + app[keys.IDS].token(18).upper()}
    return {}


def disbursements(app: web.Application, call: Checked, scenario: Scenario) -> Any:
    order = _create(app, call, OrderKind.PAYOUT, scenario, extras=_serial(app, call))
    return wire.payout_created(order)


def query_payout(app: web.Application, call: Checked, scenario: Scenario) -> Any:
    return wire.queried(_find(app, call, OrderKind.PAYOUT))


# --- pay-ins --------------------------------------------------------------------------


IP_ADDRESS = "ipAddress"


def _ip_limit(app: web.Application, call: Checked) -> dict[str, str]:
    """With ``ip_daily_limits`` on, refuse a pay-in past its area's per-IP daily limit;
    the payer's ``ipAddress`` is kept with the order to count it (extras)."""
    limit = shapes_for(call.area.name).ip_daily_limit
    ip = call.text(IP_ADDRESS)
    if limit is None or not ip or not app[keys.CONFIG].ip_daily_limits:
        return {}
    most, successful = limit
    clock = app[keys.CLOCK]
    today = local_time(clock.now(), call.area.name)[:10]
    payments = app[keys.PAYMENTS]
    made = paid = 0
    # (sandbox choice) counted per area over every merchant: the limit is the payer's.
    for order in app[keys.STORE].orders():
        if (
            order.kind is OrderKind.PAYIN
            and order.area == call.area.name
            and order.extras.get(IP_ADDRESS) == ip
            and local_time(order.created_at, order.area)[:10] == today
        ):
            payments.catch_up(order)
            made += 1
            paid += is_success(order.status)
    quote = (
        f"(the {call.area.title} pages: each IP is limited to {most} transactions per day, "
        f"with a maximum of {successful} successful transactions)"
    )
    if made >= most:
        raise GatewayError(f"ipAddress {ip} has made {made} pay-ins today {quote}")
    if paid >= successful:
        raise GatewayError(f"ipAddress {ip} has {paid} successful pay-ins today {quote}")
    return {IP_ADDRESS: ip}


def _payin(app: web.Application, call: Checked, scenario: Scenario) -> Any:
    offers_submit = any(call.area.rules_for(name) for name in SUBMIT_ENDPOINTS)
    limited = _ip_limit(app, call)  # first: a refused pay-in uses no serial number
    extras = {name: call.text(name) for name in wire.PAYIN_EXTRAS} | limited | _serial(app, call)
    order = _create(
        app,
        call,
        OrderKind.PAYIN,
        scenario,
        awaits_submit=waits_for_submit(offers_submit, call.text(wire.WAY_CODE)),
        extras=extras,
    )
    data = wire.payin_created(order, call.origin.rstrip("/") + page_path(order))
    if shapes_for(call.area.name).payer_verifies and not _verifies(order, scenario):
        data.pop(wire.PAYMENT_INFO, None)
    return data


def _verifies(order: Order, scenario: Scenario) -> bool:
    """A card payment needs the payer's verification (3DS, OTP) when its scenario leaves it
    waiting for the payer: still 0015 and no callback queued (docs/areas/card.md)."""
    return order.status == PROCESSING and not scenario.callbacks and not order.awaits_submit


def _by_platform(app: web.Application, call: Checked) -> Order:
    number = call.text(wire.PLATFORM_TRADE_NO)
    try:
        order = app[keys.STORE].order_by_platform(call.merchant.merchant_no, number)
    except NotFound:
        raise GatewayError(f"order {number} does not exist") from None
    if order.kind is not OrderKind.PAYIN:
        raise GatewayError(f"order {number} is a payout; only a pay-in takes a {call.endpoint}")
    return order


def _submit_match(app: web.Application, call: Checked) -> tuple[Mapping[str, Scalar], str | None]:
    """A submit's scenario is matched on its body plus the pay-in's amount and codes."""
    order = _by_platform(app, call)
    body = {wire.TRADE_NO: order.trade_no, wire.AMOUNT: order.amount, **order.extras}
    return {**body, **call.body}, None


def _submit(app: web.Application, call: Checked, scenario: Scenario) -> Any:
    order = _by_platform(app, call)
    references = {name: call.text(name) for name in wire.SUBMIT_REFERENCES}
    taken = app[keys.PAYMENTS].submit(order, references)
    if taken and app[keys.PAYMENTS].release_submit(order):
        schedule_from_now(app, order, scenario)
    return taken


def query_payin(app: web.Application, call: Checked, scenario: Scenario) -> Any:
    return wire.queried(_find(app, call, OrderKind.PAYIN))


# --- balance --------------------------------------------------------------------------


def query_balance(app: web.Application, call: Checked, scenario: Scenario) -> Any:
    # Reading the balance settles every collection that is due by now (domain.ledger).
    # The area's currency, typed as its balance page shows (protocol.shapes).
    ledger = app[keys.PAYMENTS].balance(call.merchant.merchant_no, call.area.currency)
    return ledger.as_wire(shapes_for(call.area.name).balance_places)


# --- KYC ------------------------------------------------------------------------------


def kyc_apply_for(app: web.Application, call: Checked, scenario: Scenario) -> Any:
    """A payer's KYC application: the answer Australia's kyc page shows
    (https://docs.vexora.com/guide/areas/Australia/kyc/): ``kycNumber``,
    ``authenticationStatus`` "0" (pending certification), ``message``,
    ``authenticationUrl``. (sandbox choice) The application stays pending: no review and
    no result callback to ``callBackUrl``, whose fields no stored page shows; the same
    ``userId`` again gets the same ``kycNumber``; ``authenticationUrl`` (where a rejected
    applicant resubmits) is empty while nothing is rejected."""
    known = app[keys.STORE].state(call.merchant.merchant_no).kyc
    user = call.text("userId")
    number = known.get(user)
    if number is None:
        number = known[user] = app[keys.IDS].token(16)
    return {
        "kycNumber": number,
        "authenticationStatus": "0",
        "message": "Pending certification",
        "authenticationUrl": "",
    }


OPERATIONS: dict[str, Operation] = {
    Endpoint.DISBURSEMENTS: Operation(disbursements),
    Endpoint.QUERY_PAYOUT: Operation(query_payout),
    Endpoint.CHECKOUT: Operation(_payin),
    Endpoint.DEPOSITS: Operation(_payin),
    Endpoint.PAYIN_SUBMIT: Operation(_submit, _submit_match),
    Endpoint.PAY_IN_SUBMIT: Operation(_submit, _submit_match),
    Endpoint.QUERY_PAYIN: Operation(query_payin),
    Endpoint.QUERY_BALANCE: Operation(query_balance),
    Endpoint.KYC_APPLY_FOR: Operation(kyc_apply_for),
}
assert set(OPERATIONS) == set(Endpoint), "every endpoint has its operation"
