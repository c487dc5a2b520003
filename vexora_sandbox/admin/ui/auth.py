"""The dashboard's access: the admin token once, then an HttpOnly cookie; CSRF on every POST.

With ``--admin-token`` the token is given once, in the login form or as ``?token=``; it
becomes an HttpOnly, SameSite=Strict cookie limited to ``/_sandbox/``, so scripts cannot
read it and other sites cannot send it. Every POST carries the run's CSRF token in a
hidden field and, when the browser sends one, an ``Origin`` of this host.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from urllib.parse import quote, urlencode

from aiohttp import web

from vexora_sandbox import keys
from vexora_sandbox.admin.ui.state import UI

COOKIE = "vexora_sandbox_admin"
BASE = "/_sandbox/ui"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def see_other(target: str) -> web.Response:
    return web.Response(status=303, headers={"Location": target})


def token_of(request: web.Request) -> str | None:
    token: str | None = request.config_dict[keys.CONFIG].admin_token
    return token


def _matches(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def signed_in(request: web.Request) -> bool:
    token = token_of(request)
    if not token:
        return True
    bearer = request.headers.get("Authorization", "")
    return _matches(request.cookies.get(COOKIE), token) or _matches(bearer, f"Bearer {token}")


def with_cookie(response: web.StreamResponse, token: str) -> web.StreamResponse:
    response.set_cookie(
        COOKIE, token, path="/_sandbox/", httponly=True, samesite="Strict", max_age=None
    )
    return response


def safe_next(raw: str | None) -> str:
    """Where to go after a login or an action: only a dashboard page of this sandbox."""
    if raw and raw.startswith(BASE + "/") and "//" not in raw and "\\" not in raw:
        return raw
    return BASE + "/calls"


def csrf_ok(request: web.Request, form_token: str | None) -> bool:
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        return False
    return _matches(form_token, request.app[UI].csrf)


def page(handler: Handler) -> Handler:
    """A dashboard GET: signs in from ``?token=``, else sends a stranger to the login form."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        token = token_of(request)
        given = request.query.get("token")
        if token and given is not None:
            if not _matches(given, token):
                return login_redirect(request, "wrong token")
            query = {k: v for k, v in request.query.items() if k != "token"}
            target = request.path + ("?" + urlencode(query) if query else "")
            return with_cookie(see_other(target), token)
        if not signed_in(request):
            return login_redirect(request)
        return await handler(request)

    return guarded


def login_redirect(request: web.Request, error: str = "") -> web.StreamResponse:
    target = f"{BASE}/login?next={quote(request.path_qs.split('?token=')[0], safe='')}"
    if error:
        target += f"&error={quote(error)}"
    return see_other(target)
