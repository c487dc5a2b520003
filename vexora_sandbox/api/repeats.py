"""Repeated payments on one order: the payer pays a pay-in that is already paid.

Australia's and Mexico's paymentQuery pages record them
(https://docs.vexora.com/guide/areas/Australia/paymentQuery/: "If multiple payments are
made for the same order, each additional payment will be recorded";
https://docs.vexora.com/guide/areas/mexico/paymentQuery/: "Each successful or attempted
payment generates a separate record"). The payer's page, the admin API
(``POST /_sandbox/transactions/{tradeNo}/payments``) and the dashboard all come here;
the write itself is ``Payments.pay_again``.

Sandbox choices (no page decides them; docs/payins.md): each successful repeat sends a
callback at once, status ``0000``, ``amount`` the repeat's (the notify pages: "Actual
payment amount"), the order's status and first payment unchanged; a failed attempt is
recorded and sends nothing; any other area refuses a second payment on a final order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from html import escape
from typing import Any

from vexora_sandbox import keys
from vexora_sandbox.domain.orders import (
    PARTIAL,
    PROCESSING,
    SUCCESS,
    Order,
    OrderKind,
    Repeat,
    default_message,
    is_success,
)
from vexora_sandbox.protocol.shapes import repeat_areas, shapes_for
from vexora_sandbox.scenarios.model import CallbackSpec

AGAIN = "again"  # the payer's page's action
NO_URL_NOTE = (
    "no callback for the repeated payment of {amount}: the request has no notifyUrl and "
    "merchant {merchant} has no default notify URL (notifyUrl in its config entry)"
)
# The largest amount a payer may pay again: 12 digits before the point, 2 after.
MAX_DIGITS = 12
MAX_PLACES = 2
_AMOUNT = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}(?:\.[0-9]{{1,{MAX_PLACES}}})?", re.ASCII)


def refusal(order: Order) -> str | None:
    """Why ``order`` takes no repeated payment now, or None when it does."""
    if order.kind is not OrderKind.PAYIN:
        return f"order {order.trade_no} is a payout: only a pay-in's payer pays"
    if order.status == PROCESSING:
        return f"order {order.trade_no} is not paid yet: pay it first"
    if not shapes_for(order.area).repeat_payments:
        return (
            f"this payment is already final ({order.status} {order.message}): the "
            f"{order.area} area takes one payment per order; only "
            f"{' and '.join(repeat_areas())} record repeated payments (their paymentQuery pages)"
        )
    if not is_success(order.status):
        return (
            f"this payment failed ({order.status} {order.message}): only a paid order "
            "takes another payment"
        )
    return None


def amount_problem(text: str) -> str | None:
    """Why ``text`` is no amount a payer can pay again, or None when it is."""
    if not _AMOUNT.fullmatch(text) or Decimal(text) <= 0:
        return (
            f"the amount to pay again must be a number above 0 with at most {MAX_PLACES} "
            f"decimal places and {MAX_DIGITS} digits before the point; got {text!r}"
        )
    return None


def pay_again(
    app: Mapping[Any, Any], order: Order, amount: str, status: str = SUCCESS
) -> tuple[Repeat, int | None]:
    """Record the payment and send its callback: the repeat and the callback's id (None
    for a failed attempt or an order without a notify URL). ValueError with the reason
    when the order or the amount takes none (:func:`refusal`, :func:`amount_problem`)."""
    amount = amount.strip()
    problem = refusal(order) or amount_problem(amount)
    if problem is None and status in (PROCESSING, PARTIAL):
        problem = f"a repeated payment succeeds ({SUCCESS}) or fails (a failure code); got {status}"
    if problem is not None:
        raise ValueError(problem)
    repeat = app[keys.PAYMENTS].pay_again(order, amount, status)
    if status != SUCCESS:
        return repeat, None
    if not order.notify_url:
        order.notes.append(NO_URL_NOTE.format(amount=amount, merchant=order.merchant_no))
        return repeat, None
    spec = CallbackSpec(after=0, status=SUCCESS, message=default_message(SUCCESS), amount=amount)
    # applied: the order's status is not the callback's to change.
    delivery = app[keys.DISPATCHER].send_now(order, spec, origin="payer", applied=True)
    return repeat, delivery.id


def again_form(order: Order, currency: str, action: str) -> str:
    """The payer's page's form to pay a paid order again: any amount, the order's first."""
    return (
        f'<form method="post" action="{escape(action)}">'
        f'<p id="again-note">This order takes more payments ({escape(currency)}).</p>'
        '<div class="part"><label for="again-amount" hidden>Amount to pay again</label>'
        f'<input id="again-amount" name="amount" inputmode="decimal" '
        f'value="{escape(order.amount)}">'
        f'<button type="submit" id="pay-again" name="action" value="{AGAIN}">'
        "Pay again</button></div></form>"
    )
