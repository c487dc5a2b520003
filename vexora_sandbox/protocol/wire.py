"""The gateway's answer and callback fields, built from an order: one home for each name.

The shapes follow the endpoint pages of https://docs.vexora.com/guide/areas/ (each area's
payout, payment, payoutQuery, paymentQuery and paymentNotify pages); what differs by area
is the table in ``protocol.shapes``. Every callback value is a string: a JSON number such
as ``100.50`` would reach a JavaScript client as ``100.5`` and break its sign check. An
answer amount that a page shows as a JSON number is a ``Decimal`` here, written with its
exact digits (``responses.json_response``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from vexora_sandbox.domain.clock import epoch_ms
from vexora_sandbox.domain.orders import SUCCESS, Order, OrderKind, is_final, is_success
from vexora_sandbox.protocol.shapes import AS_SENT, local_time, shapes_for

TRADE_NO = "tradeNo"
PLATFORM_TRADE_NO = "platFormTradeNo"
AMOUNT = "amount"
STATUS = "status"
MESSAGE = "message"
REMARK = "remark"
NOTIFY_URL = "notifyUrl"
RETURN_URL = "returnUrl"
CHANNEL_CODE = "channelCode"
WAY_CODE = "wayCode"
SUCCESS_TIME = "successTime"
TIMESTAMP = "timestamp"
SERIAL_NUMBER = "serialNumber"
PAYMENT_INFO = "paymentInfo"
# The P2P submit's reference to the payer's wallet transaction: Bangladesh's trxId,
# Myanmar's utr (the paymentSubmit pages).
SUBMIT_REFERENCES = ("trxId", "utr")
# Pay-in fields kept with the order: the callback echoes the method codes.
PAYIN_EXTRAS = (CHANNEL_CODE, WAY_CODE, RETURN_URL)


def payout_created(order: Order) -> dict[str, Any]:
    """``disbursements``' ``data`` (Kenya's adds ``serialNumber``)."""
    data = {
        TRADE_NO: order.trade_no,
        PLATFORM_TRADE_NO: order.platform_trade_no,
        STATUS: order.status,
        MESSAGE: order.message,
        REMARK: order.remark,
    }
    if SERIAL_NUMBER in order.extras:
        data[SERIAL_NUMBER] = order.extras[SERIAL_NUMBER]
    return data


def payin_created(order: Order, payment_url: str) -> dict[str, Any]:
    """``checkout``'s and ``deposits``' ``data``.

    The docs name the page ``paymentUrl``; merchant code in the wild reads ``paymentLink``:
    both are sent. A deposit adds ``paymentInfo`` and ``serialNumber``.
    """
    data: dict[str, Any] = {
        TRADE_NO: order.trade_no,
        PLATFORM_TRADE_NO: order.platform_trade_no,
        STATUS: order.status,
        "desc": order.message,
        REMARK: order.remark,
        "paymentUrl": payment_url,
        "paymentLink": payment_url,
    }
    if SERIAL_NUMBER in order.extras:
        data[SERIAL_NUMBER] = order.extras[SERIAL_NUMBER]
    if order.endpoint == "deposits":
        # (sandbox choice) paymentInfo stands for the QR string, VA number or wallet link a
        # real deposit returns: the page's URL, so that a test can still pay it.
        data[PAYMENT_INFO] = payment_url
    return data


def number(text: str, places: int | None) -> str | Decimal:
    """An amount as the page types it: the text as sent (``places`` None), or a JSON
    number with ``places`` decimals (:data:`AS_SENT`: the merchant's own)."""
    if places is None:
        return text
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text  # lenient mode let a non-number through: echo it
    if not value.is_finite():
        return text
    return value if places == AS_SENT else value.quantize(Decimal(1).scaleb(-places))


def first_payment(order: Order) -> str | None:
    """What the payer paid (the part of a partial payment); None before any payment."""
    if order.paid_amount is not None:
        return order.paid_amount
    return order.amount if order.status == SUCCESS else None


def queried(order: Order) -> dict[str, Any]:
    """``queryPayOutResult``'s and ``queryPayInResult``'s ``data``, shaped per area."""
    shapes = shapes_for(order.area)
    data: dict[str, Any] = {TRADE_NO: order.trade_no, PLATFORM_TRADE_NO: order.platform_trade_no}
    paid = first_payment(order)
    if order.kind is OrderKind.PAYIN and shapes.payin_amounts == "mexico":
        # (sandbox choice) an unpaid order's receivedAmount is "0" and its list empty.
        data[AMOUNT] = order.amount
        data["receivedAmount"] = paid or "0"
        first = (
            []
            if paid is None or order.success_time is None
            else [_payment(AMOUNT, paid, order.status, order.success_time, order.area)]
        )
        data["paymentList"] = first + _repeats(order, AMOUNT, None)
    elif order.kind is OrderKind.PAYIN and shapes.payin_amounts == "order-pay":
        whole, part = shapes.payin_places or (None, None)
        data["orderAmount"] = number(order.amount, whole)
        data["payAmount"] = number(paid or "0", part)
        if order.repeats:
            # Required "No": only an order paid more than once has it (sandbox choice).
            data["paymentDetails"] = _repeats(order, "payAmount", part)
    elif order.kind is OrderKind.PAYOUT and shapes.payout_amounts == "order-pay":
        # (sandbox choice) no fees: a payout pays its whole amount.
        data["orderAmount"] = number(order.amount, shapes.payout_places)
        data["payAmount"] = number(order.amount, shapes.payout_places)
    else:
        places = None if order.kind is OrderKind.PAYIN else shapes.payout_places
        data[AMOUNT] = number(paid or order.amount, places)
    data[STATUS] = order.status
    data[MESSAGE] = order.message
    when = _success_time(order, shapes.success_time_on_failure)
    if when is not None:
        data[SUCCESS_TIME] = when
    if order.kind is OrderKind.PAYIN:
        data[REMARK] = order.remark
    return data


def _payment(name: str, amount: str | Decimal, status: str, at: float, area: str) -> dict[str, Any]:
    """One payment record of a query answer (sandbox choice: the pages do not show the
    items' fields): its amount, its status, and when it succeeded (none for a failed
    attempt)."""
    item: dict[str, Any] = {name: amount, STATUS: status}
    if is_success(status):
        item[SUCCESS_TIME] = local_time(at, area)
    return item


def _repeats(order: Order, name: str, places: int | None) -> list[dict[str, Any]]:
    """The order's repeated payments, oldest first, each typed like the first payment."""
    return [
        _payment(name, number(r.amount, places), r.status, r.at, order.area) for r in order.repeats
    ]


def _success_time(order: Order, on_failure: bool) -> str | None:
    """Local time of the success, or (where a page's example shows it) of the failure."""
    if is_success(order.status) and order.success_time is not None:
        return local_time(order.success_time, order.area)
    if on_failure and is_final(order.status) and order.history:
        return local_time(order.history[-1].at, order.area)
    return None


def callback_fields(
    order: Order, status: str, message: str, now: float, amount: str | None
) -> dict[str, str]:
    """A callback's fields, every value a string; no sign (callbacks.body signs them)."""
    body = {
        PLATFORM_TRADE_NO: order.platform_trade_no,
        TRADE_NO: order.trade_no,
        AMOUNT: amount or order.paid_amount or order.amount,
        STATUS: status,
        MESSAGE: message,
        TIMESTAMP: str(epoch_ms(now)),
    }
    if is_success(status) and order.success_time is not None:
        body[SUCCESS_TIME] = local_time(order.success_time, order.area)
    if order.remark:
        body[REMARK] = order.remark
    if order.kind is OrderKind.PAYIN:
        for key in (CHANNEL_CODE, WAY_CODE):
            if order.extras.get(key):
                body[key] = order.extras[key]
    return body
