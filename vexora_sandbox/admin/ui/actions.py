"""The dashboard's buttons: force a status, pay an order again, replay a callback, advance
the clock, reset.

Each is a POST from a form carrying the run's CSRF token (auth.csrf_ok); each answers
with a redirect back to the page it came from, saying what was done, so the pages work
without JavaScript. They do what the admin API's routes of the same names do
(docs/admin-api.md).
"""

from __future__ import annotations

import math
from urllib.parse import quote

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.admin.control import advance_refused, reset_state
from vexora_sandbox.admin.ui.auth import (
    COOKIE,
    csrf_ok,
    safe_next,
    see_other,
    signed_in,
    token_of,
    with_cookie,
)
from vexora_sandbox.admin.ui.pages import render
from vexora_sandbox.api import repeats
from vexora_sandbox.domain.orders import default_message
from vexora_sandbox.errors import NotFound
from vexora_sandbox.scenarios.model import CallbackSpec


def _back(form: dict[str, str], message: str) -> web.Response:
    target = safe_next(form.get("next"))
    joiner = "&" if "?" in target else "?"
    return see_other(f"{target}{joiner}done={quote(message)}")


def _refused(request: web.Request, status: int, message: str) -> web.Response:
    return render(request, "message.html", {"title": "Refused", "message": message}, status=status)


async def _posted(request: web.Request) -> dict[str, str] | web.Response:
    """The POSTed form's fields, or a 400 page for a body that is no form (not UTF-8)."""
    try:
        return {k: str(v) for k, v in (await request.post()).items()}
    except (ValueError, web.RequestPayloadError):  # UnicodeDecodeError is a ValueError
        return _refused(request, 400, "The request is not valid form data (UTF-8, urlencoded).")


async def _form(request: web.Request) -> dict[str, str] | web.Response:
    """The POSTed form, once the caller is signed in and its CSRF token is right."""
    if not signed_in(request):
        return _refused(request, 401, "Sign in first: this sandbox has an admin token.")
    form = await _posted(request)
    if isinstance(form, web.Response):
        return form
    if not csrf_ok(request, form.get("csrf")):
        return _refused(request, 403, "This form is stale or from another site; reload the page.")
    return form


async def force(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    if isinstance(form, web.Response):
        return form
    status = form.get("status", "").strip()
    if not status:
        return _back(form, "Give a status to force, such as 0000 or 00029.")
    try:
        order = request.config_dict[keys.STORE].order(
            form.get("merchantNo", ""), form.get("tradeNo", "")
        )
    except NotFound:
        return _refused(request, 404, "There is no such order.")
    message = form.get("message", "").strip() or default_message(status)
    spec = CallbackSpec(after=0, status=status, message=message)
    before = order.status
    change = request.config_dict[keys.PAYMENTS].change_status(order, status, message)
    delivery = request.config_dict[keys.DISPATCHER].send_now(
        order, spec, origin="forced", applied=change is not None
    )
    if change is None:
        said = f"{before} cannot become {status}; its callback #{delivery.id} is sent anyway."
    else:
        said = f"Status {before} -> {status}; callback #{delivery.id} sent."
    return _back(form, said)


async def pay_again(request: web.Request) -> web.StreamResponse:
    """The payer pays a paid Australia or Mexico order again (api.repeats)."""
    form = await _form(request)
    if isinstance(form, web.Response):
        return form
    try:
        order = request.config_dict[keys.STORE].order(
            form.get("merchantNo", ""), form.get("tradeNo", "")
        )
    except NotFound:
        return _refused(request, 404, "There is no such order.")
    amount = form.get("amount", "").strip() or order.amount
    try:
        _, callback = repeats.pay_again(request.config_dict, order, amount)
    except ValueError as exc:
        return _back(form, f"Not paid again: {exc}.")
    sent = f"; callback #{callback} sent" if callback is not None else ""
    return _back(form, f"Paid {amount} again{sent}.")


async def replay(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    if isinstance(form, web.Response):
        return form
    raw = form.get("callback", "")
    dispatcher = request.config_dict[keys.DISPATCHER]
    # ASCII digits only: str.isdigit() accepts "²", which int() refuses.
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None
    original = None if number is None else dispatcher.deliveries.get(number)
    if original is None:
        return _refused(request, 404, f"There is no callback {raw}.")
    try:
        delivery = dispatcher.replay(original)
    except ValueError as exc:
        return _back(form, str(exc))
    return _back(form, f"Callback #{original.id} replayed as #{delivery.id}.")


async def advance(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    if isinstance(form, web.Response):
        return form
    clock = request.config_dict[keys.CLOCK]
    if not clock.manual:
        return _back(form, "The clock is not manual; start the sandbox with --clock manual.")
    seconds = _number(form.get("seconds", ""))
    if seconds is None:
        return _back(form, "Give the seconds to advance as a number.")
    # The admin API's limits and words (POST /_sandbox/clock/advance).
    refused = advance_refused(clock, seconds)
    if refused is not None:
        return _back(form, refused)
    handled = await request.config_dict[keys.DISPATCHER].advance(float(seconds))
    return _back(form, f"Advanced {seconds} s; {handled} callback attempt(s) made.")


def _number(text: str) -> int | float | None:
    """A finite number typed in a form; a whole one stays an int, shown as typed."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


async def reset(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    if isinstance(form, web.Response):
        return form
    cancelled = await reset_state(request.config_dict, None)
    form["next"] = "/_sandbox/ui/calls"
    return _back(form, f"Reset: every order and call forgotten, {cancelled} callback(s) cancelled.")


async def login_form(request: web.Request) -> web.StreamResponse:
    if not token_of(request):
        return see_other(safe_next(request.query.get("next")))
    context = {"next": safe_next(request.query.get("next")), "error": request.query.get("error")}
    return render(request, "login.html", context)


async def login(request: web.Request) -> web.StreamResponse:
    form = await _posted(request)
    if isinstance(form, web.Response):
        return form
    token = token_of(request)
    target = safe_next(form.get("next"))
    if not csrf_ok(request, form.get("csrf")):
        return _refused(request, 403, "This form is stale or from another site; reload the page.")
    if not token:
        return see_other(target)
    if form.get("token") != token:
        context = {"next": target, "error": "That is not this sandbox's admin token."}
        return render(request, "login.html", context, status=401)
    return with_cookie(see_other(target), token)


async def logout(request: web.Request) -> web.StreamResponse:
    form = await _posted(request)
    if isinstance(form, web.Response):
        return form
    if not csrf_ok(request, form.get("csrf")):
        return _refused(request, 403, "This form is stale or from another site; reload the page.")
    response = see_other("/_sandbox/ui/login")
    response.del_cookie(COOKIE, path="/_sandbox/")
    return response


def setup_actions(admin: web.Application) -> None:
    admin.router.add_post("/ui/actions/force", force, name="ui:force")
    admin.router.add_post("/ui/actions/replay", replay, name="ui:replay")
    admin.router.add_post("/ui/actions/pay-again", pay_again, name="ui:pay-again")
    admin.router.add_post("/ui/actions/advance", advance, name="ui:advance")
    admin.router.add_post("/ui/actions/reset", reset, name="ui:reset")
    admin.router.add_get("/ui/login", login_form, name="ui:login-form")
    admin.router.add_post("/ui/login", login, name="ui:login")
    admin.router.add_post("/ui/logout", logout, name="ui:logout")
