"""The gateway's URL space and the one pipeline every call goes down.

``/v1/vexora/<endpoint>`` and ``/<area>/v1/vexora/<endpoint>``: merchant -> area -> body ->
sign -> rules -> timestamp window -> scenario -> operation -> answer -> journal. A
GatewayError at any step is rendered here as the envelope; an unexpected exception
becomes a ``5000`` answer and is kept for a test harness to re-raise. docs/design.md draws
the pipeline.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.api import answer, checkout_page, checks
from vexora_sandbox.api.call import Call, Checked
from vexora_sandbox.api.operations import OPERATIONS
from vexora_sandbox.domain.clock import epoch_ms
from vexora_sandbox.errors import GatewayError
from vexora_sandbox.protocol import expected_sign
from vexora_sandbox.protocol.names import Code
from vexora_sandbox.state.hooks import after_commit

log = logging.getLogger("vexora_sandbox")
ALLOWED = "POST"


def _now_ms(app: web.Application) -> int:
    return epoch_ms(app[keys.CLOCK].now())


async def dispatch(request: web.Request) -> web.StreamResponse:
    app = request.app
    started = time.perf_counter()
    info = request.match_info
    call = Call(
        method=request.method,
        path=request.path_qs,
        endpoint=info.get("endpoint"),
        url_area=info.get("area"),
        received_at=_now_ms(app),
    )
    try:
        response = await _pipeline(request, call)
    except GatewayError as exc:
        config = app[keys.CONFIG]
        show = expected_sign.shown(config.expected_sign, config.host)
        response = answer.error_response(call, exc, _now_ms(app), expected_sign=show)
    except Exception as exc:
        # Our own bug: answer like the gateway's system exception, keep serving, and let a
        # test harness re-raise it in the test that caused it.
        log.exception("unexpected error serving %s %s", request.method, request.path)
        app[keys.ERRORS].append(exc)
        error = GatewayError(
            f"system exception in the sandbox: {type(exc).__name__}: {exc}",
            code=Code.SYSTEM_EXCEPTION,
        )
        response = answer.error_response(call, error, _now_ms(app))
    await checks.journal_raw(request, call)
    entry = app[keys.REQUESTS].add(call.journal_entry(response.status))
    app[keys.EVENTS].call(entry, time.perf_counter() - started)
    return response


async def _pipeline(request: web.Request, call: Call) -> web.StreamResponse:
    app = request.app
    if request.method != ALLOWED:
        raise GatewayError(
            f"method {request.method} is not allowed here; every Vexora API call is a POST",
            http_status=405,
            headers={"Allow": ALLOWED},
        )
    endpoint = call.endpoint or ""
    operation = OPERATIONS.get(endpoint)
    if operation is None:
        raise GatewayError(
            f"unknown endpoint {endpoint!r}; the sandbox serves: {', '.join(OPERATIONS)}",
            http_status=404,
        )
    merchant = checks.merchant(request)
    call.merchant_no = merchant.merchant_no
    if app[keys.CONFIG].sign_answers:
        call.answer_secret = merchant.secret
    area = checks.area(request, call, merchant)
    body = call.body = await checks.body(request, call)
    checks.sign(call, body, merchant, app[keys.CONFIG].validation)
    rules = checks.rules(request, call, area, endpoint, body)
    checks.freshness(request, body)
    checks.notify_url(request, body)
    config = app[keys.CONFIG]
    checked = Checked(
        endpoint, merchant, area, rules, body, config.public_url or str(request.url.origin())
    )

    matched, account_field = (
        operation.match_on(app, checked) if operation.match_on else (body, rules.account_field)
    )
    scenario = app[keys.SCENARIOS].choose(
        endpoint=endpoint,
        merchant_no=merchant.merchant_no,
        area=area.name,
        account_field=account_field,
        body=matched,
    )
    call.scenario = scenario.name
    # A scenario answering 8000 refuses the call: nothing is created or changed, but its
    # delay and fault still apply.
    refused = scenario.response.code == Code.REQUEST_FAILED
    data = None if refused else operation.run(app, checked, scenario)
    # --state: the answer waits until what the operation changed is committed.
    writer = app.get(keys.STATE)
    saved = None if writer is None else writer.saved()
    if saved is not None:
        await saved
    return await answer.scenario_response(request, call, scenario.response, data, _now_ms(app))


async def not_found(request: web.Request) -> web.StreamResponse:
    """Any other URL outside /_sandbox/: the envelope, journaled like a call."""
    app = request.app
    call = Call(request.method, request.path_qs, None, None, _now_ms(app))
    error = GatewayError(f"no such endpoint: {request.path}", http_status=404)
    response = answer.error_response(call, error, _now_ms(app))
    if request.path != "/favicon.ico":
        app[keys.EVENTS].call(app[keys.REQUESTS].add(call.journal_entry(response.status)), 0.0)
    return response


def setup_routes(app: web.Application) -> None:
    # Every method reaches dispatch, which answers a wrong one with the envelope.
    app.router.add_route("*", "/v1/vexora/{endpoint}", dispatch)
    app.router.add_route("*", "/{area}/v1/vexora/{endpoint}", dispatch)
    # The pay-ins' hosted payment page: the payer's, outside the admin sub-application.
    app.router.add_get(checkout_page.PAGE, checkout_page.show)
    app.router.add_post(checkout_page.PAGE, after_commit(checkout_page.act))


def setup_fallback(app: web.Application) -> None:
    """Last: every URL that nothing else serves (after the admin sub-application)."""
    # [\s\S], not ".": a percent-encoded line break in the path is a character too.
    app.router.add_route("*", r"/{tail:[\s\S]*}", not_found)
