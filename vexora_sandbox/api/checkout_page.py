"""The hosted payment page behind a pay-in's ``paymentUrl``: the sandbox's stand-in payer.

``GET /_sandbox/pay/{merchantNo}/{platFormTradeNo}`` shows the order; its buttons POST
back to the same path and pay it in full, pay part of it, or fail it. Each fires the
pay-in callback at once, like a real payer's action would, and drops the callbacks the
order's scenario had queued but not yet sent (the payer was faster). A P2P pay-in that
waits for the payer's wallet transaction id (Bangladesh's trxId, Myanmar's utr) takes it
here first, as the payer would on the gateway's page ("After completing the payment, the
user needs to submit the transaction ID on the checkout page":
https://docs.vexora.com/guide/areas/bangladesh/paymentSubmit/). The page has no external
assets and escapes every value a merchant sent.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from html import escape
from urllib.parse import quote

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.api.payin_flow import (
    awaited_reference,
    payer_acts,
    submit_step,
    take_reference,
)
from vexora_sandbox.api.repeats import AGAIN, again_form, pay_again, refusal
from vexora_sandbox.domain.orders import (
    FAILED,
    PARTIAL,
    PROCESSING,
    SUCCESS,
    Order,
    OrderKind,
)
from vexora_sandbox.domain.payments import part_of
from vexora_sandbox.errors import NotFound
from vexora_sandbox.protocol.shapes import shapes_for

PAGE = "/_sandbox/pay/{merchantNo}/{platFormTradeNo}"
# action -> the status the payer's action gives the order
ACTIONS = {"full": SUCCESS, "partial": PARTIAL, "fail": FAILED}
# The P2P submit: the payer gives the wallet transaction id.
SUBMIT = "submit"
DONE = {
    AGAIN: "Paid again.",
    "full": "Paid in full.",
    "partial": "Paid in part.",
    "fail": "The payment failed.",
    SUBMIT: "Transaction id submitted: the payment is being checked.",
}
MAX_REFERENCE = 64
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
STYLE = """
body{font:16px/1.4 system-ui,sans-serif;margin:0;background:#f3f4f6;color:#111}
main{max-width:28rem;margin:2rem auto;background:#fff;padding:1.5rem;border-radius:.5rem;
box-shadow:0 1px 3px #0002}
h1{font-size:1.2rem;margin:0 0 1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0 0 1rem}
dt{color:#555}dd{margin:0;overflow-wrap:anywhere}
.amount{font-size:1.5rem;font-weight:600}
form{display:grid;gap:.6rem}
button{font:inherit;padding:.6rem;border:0;border-radius:.3rem;cursor:pointer;color:#fff}
button:disabled{opacity:.4;cursor:default}
#pay-full,#pay-again{background:#15803d}#submit-reference{background:#1d4ed8}#pay-part{background:#b45309}#pay-fail{background:#b91c1c}
.part{display:flex;gap:.5rem}.part input{flex:1;font:inherit;padding:.5rem}
.note{padding:.5rem;border-radius:.3rem;background:#e0f2fe}
.error{padding:.5rem;border-radius:.3rem;background:#fee2e2}
"""


def page_path(order: Order) -> str:
    merchant, number = (quote(v, safe="") for v in (order.merchant_no, order.platform_trade_no))
    return f"/_sandbox/pay/{merchant}/{number}"


def _find(request: web.Request) -> Order | None:
    try:
        order = request.app[keys.STORE].order_by_platform(
            request.match_info["merchantNo"], request.match_info["platFormTradeNo"]
        )
    except NotFound:
        return None
    if order.kind is not OrderKind.PAYIN:
        return None
    request.app[keys.PAYMENTS].catch_up(order)
    return order


def _html(body: str, *, status: int = 200, title: str = "Vexora sandbox checkout") -> web.Response:
    text = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return web.Response(
        text=text, status=status, content_type="text/html", charset="utf-8", headers=HEADERS
    )


def _not_found(request: web.Request) -> web.Response:
    number = request.match_info["platFormTradeNo"]
    return _html(
        f'<h1>No such payment</h1><p id="error" class="error">There is no pay-in '
        f"{escape(number)} for merchant {escape(request.match_info['merchantNo'])}.</p>",
        status=404,
        title="No such payment",
    )


def _row(label: str, value: str, ident: str) -> str:
    return f'<dt>{label}</dt><dd id="{ident}">{escape(value)}</dd>'


def render(
    request: web.Request,
    order: Order,
    *,
    note: str = "",
    error: str = "",
    status: int = 200,
    part: str | None = None,
) -> web.Response:
    area = request.app[keys.AREAS].get(order.area)
    currency = area.currency if area is not None else ""
    final = order.status != PROCESSING
    rows = [
        '<dt>Amount</dt><dd class="amount">'
        f'<span id="amount">{escape(order.amount)}</span> '
        f'<span id="currency">{escape(currency)}</span></dd>',
        _row("Status", order.status, "status"),
        _row("Message", order.message, "message"),
    ]
    if order.paid_amount is not None:
        rows.append(_row("Paid", order.paid_amount, "paid"))
    if order.repeats:
        paid_again = ", ".join(f"{r.amount} ({r.status})" for r in order.repeats)
        rows.append(_row("Paid again", paid_again, "paid-again"))
    rows += [
        _row("Order", order.trade_no, "trade-no"),
        _row("Platform order", order.platform_trade_no, "platform-trade-no"),
        _row("Merchant", order.merchant_no, "merchant-no"),
    ]
    if order.remark:
        rows.append(_row("Remark", order.remark, "remark"))
    for key, label in (("channelCode", "Channel"), ("wayCode", "Method")):
        if order.extras.get(key):
            rows.append(_row(label, order.extras[key], key.lower()))
    disabled = " disabled" if final else ""
    # A P2P pay-in is paid to a wallet outside the page; the gateway only learns of it from
    # the transaction id, so the pay buttons wait for it.
    waiting = order.awaits_submit and not final
    paying = " disabled" if final or waiting else ""
    card = shapes_for(order.area).payer_verifies
    body = [
        f"<h1>{'Vexora sandbox card verification' if card else 'Vexora sandbox checkout'}</h1>",
        f"<dl>{''.join(rows)}</dl>",
    ]
    if note:
        body.append(f'<p id="result" class="note">{escape(note)}</p>')
    if error:
        body.append(f'<p id="error" class="error">{escape(error)}</p>')
    again = again_form(order, currency, page_path(order)) if refusal(order) is None else None
    step = submit_step(request.app, order) if waiting else None
    if step is not None:
        field = step[1]
        body.append(
            f'<form method="post" action="{escape(page_path(order))}">'
            f'<p id="submit-note">Pay {escape(order.amount)} {escape(currency)} to the wallet, '
            f"then enter the wallet's transaction id ({field}).</p>"
            f'<div class="part"><label for="reference" hidden>Transaction id</label>'
            f'<input id="reference" name="reference" maxlength="{MAX_REFERENCE}">'
            '<button type="submit" id="submit-reference" name="action" '
            f'value="{SUBMIT}">Submit {field}</button></div></form>'
        )
    if card:
        body.append(_card_form(order, paying, disabled))
    else:
        body.append(
            f'<form method="post" action="{escape(page_path(order))}">'
            f'<button type="submit" id="pay-full" name="action" value="full"{paying}>'
            "Pay in full</button>"
            '<div class="part"><label for="part-amount" hidden>Amount to pay</label>'
            f'<input id="part-amount" name="amount" inputmode="decimal" '
            f'value="{escape(part or part_of(order.amount))}"{paying}>'
            f'<button type="submit" id="pay-part" name="action" value="partial"{paying}>'
            "Pay part</button></div>"
            f'<button type="submit" id="pay-fail" name="action" value="fail"{disabled}>'
            "Fail the payment</button></form>"
        )
    if again is not None:
        body.append(again)
    back = order.extras.get("returnUrl", "")
    if final and back.lower().startswith(("http://", "https://")):
        body.append(f'<p><a id="return" href="{escape(back)}">Back to the merchant</a></p>')
    return _html("".join(body), status=status)


def _card_form(order: Order, paying: str, disabled: str) -> str:
    """A card payment's page: the cardholder's 3DS / OTP step, passed or failed; a card
    is charged in full or not at all, so there is no partial payment."""
    return (
        '<p id="verify-note">3-D Secure / OTP: the cardholder verifies the payment.</p>'
        f'<form method="post" action="{escape(page_path(order))}">'
        f'<button type="submit" id="pay-full" name="action" value="full"{paying}>'
        "Verify and pay</button>"
        f'<button type="submit" id="pay-fail" name="action" value="fail"{disabled}>'
        "Fail the verification</button></form>"
    )


async def show(request: web.Request) -> web.Response:
    order = _find(request)
    if order is None:
        return _not_found(request)
    done = request.query.get("done", "")
    return render(request, order, note=DONE.get(done, ""))


def _paid_part(text: str, order: Order) -> str | None:
    """The part the payer pays: a number above 0 and below the order's amount."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or not 0 < value < order.amount_value:
        return None
    return text.strip()


async def act(request: web.Request) -> web.StreamResponse:
    order = _find(request)
    if order is None:
        return _not_found(request)
    try:
        form = await request.post()
    except (ValueError, web.RequestPayloadError):  # UnicodeDecodeError is a ValueError
        return render(
            request,
            order,
            error="The request is not valid form data (UTF-8, urlencoded).",
            status=400,
        )
    action = str(form.get("action", ""))
    if action == SUBMIT:
        return _submit(request, order, str(form.get("reference", "")))
    if action == AGAIN:
        return _again(request, order, str(form.get("amount", "")))
    if action not in ACTIONS:
        return render(
            request,
            order,
            error=f"Unknown action {action!r}; use one of: {', '.join((*ACTIONS, SUBMIT, AGAIN))}.",
            status=400,
        )
    field = awaited_reference(request.app, order)
    if field is not None and action != "fail":
        return render(
            request,
            order,
            error=f"This P2P payment waits for the wallet's transaction id ({field}): "
            "submit it first.",
            status=409,
        )
    paid = None
    if action == "partial" and shapes_for(order.area).payer_verifies:
        return render(request, order, error="A card payment is paid in full or fails.", status=400)
    if action == "partial":
        given = str(form.get("amount", ""))
        paid = _paid_part(given, order)
        if paid is None:
            return render(
                request,
                order,
                error=f"The part to pay must be a number above 0 and below {order.amount}; "
                f"got {given!r}.",
                status=400,
                part=given,
            )
    if not payer_acts(request.app, order, ACTIONS[action], paid):
        return render(
            request,
            order,
            error=f"This payment is already final ({order.status} {order.message}).",
            status=409,
        )
    raise web.HTTPSeeOther(f"{page_path(order)}?done={action}")


def _submit(request: web.Request, order: Order, given: str) -> web.Response:
    """The payer's wallet transaction id for a P2P pay-in that waits for it."""
    step = submit_step(request.app, order)
    if step is None or not order.awaits_submit or order.status != PROCESSING:
        why = (
            f"already final ({order.status} {order.message})"
            if order.status != PROCESSING
            else "not waiting for a transaction id"
        )
        return render(request, order, error=f"This payment is {why}.", status=409)
    reference = given.strip()
    if not reference or len(reference) > MAX_REFERENCE:
        return render(
            request,
            order,
            error=f"The transaction id ({step[1]}) must be 1 to {MAX_REFERENCE} characters; "
            f"got {given!r}.",
            status=400,
        )
    take_reference(request.app, order, step[0], reference)
    raise web.HTTPSeeOther(f"{page_path(order)}?done={SUBMIT}")


def _again(request: web.Request, order: Order, given: str) -> web.Response:
    """The payer pays a paid order again (api.repeats)."""
    try:
        pay_again(request.app, order, given)
    except ValueError as exc:
        status = 409 if refusal(order) else 400
        message = str(exc)
        return render(request, order, error=message[0].upper() + message[1:] + ".", status=status)
    raise web.HTTPSeeOther(f"{page_path(order)}?done={AGAIN}")
