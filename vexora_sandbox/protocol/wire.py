"""The gateway's answer and callback fields, built from an order: one home for each name.

The shapes follow the endpoint pages of https://docs.vexora.com/guide/areas/ (each area's
payout, payment, payoutQuery, paymentQuery and paymentNotify pages). Every callback value
is a string: a JSON number such as ``100.50`` would reach a JavaScript client as ``100.5``
and break its sign check.
"""

from __future__ import annotations

from typing import Any

from vexora_sandbox.domain.clock import epoch_ms, gateway_time
from vexora_sandbox.domain.orders import Order, OrderKind, is_success

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
# The P2P submit's reference to the payer's wallet transaction: Bangladesh's trxId,
# Myanmar's utr (the paymentSubmit pages).
SUBMIT_REFERENCES = ("trxId", "utr")
# Pay-in fields kept with the order: the callback echoes the method codes.
PAYIN_EXTRAS = (CHANNEL_CODE, WAY_CODE, RETURN_URL)


def payout_created(order: Order) -> dict[str, Any]:
    """``disbursements``' ``data``."""
    return {
        TRADE_NO: order.trade_no,
        PLATFORM_TRADE_NO: order.platform_trade_no,
        STATUS: order.status,
        MESSAGE: order.message,
        REMARK: order.remark,
    }


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
    if "serialNumber" in order.extras:
        # (sandbox choice) paymentInfo stands for the QR string, VA number or wallet link a
        # real deposit returns: the page's URL, so that a test can still pay it.
        data.update(paymentInfo=payment_url, serialNumber=order.extras["serialNumber"])
    return data


def queried(order: Order) -> dict[str, Any]:
    """``queryPayOutResult``'s and ``queryPayInResult``'s ``data``."""
    data: dict[str, Any] = {
        TRADE_NO: order.trade_no,
        PLATFORM_TRADE_NO: order.platform_trade_no,
        AMOUNT: order.paid_amount or order.amount,
        STATUS: order.status,
        MESSAGE: order.message,
    }
    if is_success(order.status) and order.success_time is not None:
        data[SUCCESS_TIME] = gateway_time(order.success_time)
    if order.kind is OrderKind.PAYIN:
        data[REMARK] = order.remark
    return data


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
        body[SUCCESS_TIME] = gateway_time(order.success_time)
    if order.remark:
        body[REMARK] = order.remark
    if order.kind is OrderKind.PAYIN:
        for key in (CHANNEL_CODE, WAY_CODE):
            if order.extras.get(key):
                body[key] = order.extras[key]
    return body
