"""Test helpers usable with or without pytest: an in-process sandbox and a callback receiver.

Both run their own event loop on a background thread and listen on 127.0.0.1 at a free
port, so they serve sync and async test code alike::

    with SandboxServer() as sandbox, CallbackReceiver() as receiver:
        answer = sandbox.payout(notifyUrl=receiver.url)
        callback = receiver.wait_for(answer["data"]["tradeNo"], status="0000")
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Coroutine, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from vexora_sandbox.config import SandboxConfig
from vexora_sandbox.protocol import signing

T = TypeVar("T")
DEFAULT_MERCHANT_NO = "0000000001"
DEFAULT_SECRET = "sandbox-secret"


class _LoopThread:
    """An event loop running on a daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = 30) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self.loop.close()


class SandboxError(AssertionError):
    """An admin or gateway call answered with an error: its HTTP ``status`` and ``body``."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body

    @property
    def reason(self) -> str:
        """The admin API's ``error`` message when there is one, else the whole message."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), str):
            return str(self.body["error"])
        return str(self)


def _http(
    method: str,
    url: str,
    payload: Any = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, Any]:
    data = None if payload is None else json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode("utf-8", "replace")


class AdminClient:
    """A small client for the ``/_sandbox/`` API (docs/admin-api.md)."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token

    def request(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        query: Mapping[str, Any] | None = None,
        timeout: float = 30,
        expect: tuple[int, ...] = (200,),
    ) -> Any:
        """Call ``/_sandbox/<path>``: its JSON answer; SandboxError for a status not expected."""
        params = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        url = f"{self.base_url}/_sandbox/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        status, body = _http(method, url, payload, headers, timeout)
        if status not in expect:
            raise SandboxError(
                f"{method} {url} answered {status}: {body}", status=status, body=body
            )
        return body

    def health(self) -> dict[str, Any]:
        """``GET /_sandbox/health``."""
        result: dict[str, Any] = self.request("GET", "health")
        return result

    def transactions(self, **filters: Any) -> list[dict[str, Any]]:
        """``GET /_sandbox/transactions``: orders; filters merchantNo, tradeNo, status, endpoint."""
        result: list[dict[str, Any]] = self.request("GET", "transactions", query=filters)[
            "transactions"
        ]
        return result

    def transaction(self, trade_no: str, merchant_no: str | None = None) -> dict[str, Any]:
        """``GET /_sandbox/transactions/{tradeNo}``: one order with its status history."""
        query = {"merchantNo": merchant_no}
        result: dict[str, Any] = self.request("GET", f"transactions/{trade_no}", query=query)
        return result

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """``GET /_sandbox/requests``: the journal; filters merchantNo, endpoint, tradeNo."""
        result: list[dict[str, Any]] = self.request("GET", "requests", query=filters)["requests"]
        return result

    def callbacks(self, **filters: Any) -> list[dict[str, Any]]:
        """``GET /_sandbox/callbacks``; filters tradeNo, merchantNo, status, acknowledged."""
        result: list[dict[str, Any]] = self.request("GET", "callbacks", query=filters)["callbacks"]
        return result

    def wait_for_callback(
        self,
        trade_no: str,
        status: str | None = None,
        *,
        acknowledged: bool | None = None,
        timeout: float = 10,
    ) -> dict[str, Any]:
        """The first callback sent for ``trade_no`` (and ``status``); TimeoutError if none."""
        query = {"tradeNo": trade_no, "status": status, "acknowledged": acknowledged}
        body = self.request(
            "GET",
            "callbacks",
            query={**query, "wait": timeout},
            timeout=timeout + 10,
            expect=(200, 408),
        )
        if "callbacks" not in body:
            raise TimeoutError(
                f"no callback for {trade_no}"
                + (f" with status {status}" if status else "")
                + f" was sent within {timeout:g} s"
            )
        first: dict[str, Any] = body["callbacks"][0]
        return first

    def reset(self, merchant_no: str | None = None) -> dict[str, Any]:
        """``POST /_sandbox/reset``: of every merchant, or of ``merchant_no``."""
        result: dict[str, Any] = self.request("POST", "reset", {"merchantNo": merchant_no})
        return result

    def force_status(
        self, trade_no: str, status: str, message: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """``POST /_sandbox/transactions/{tradeNo}/status``: apply a status, send its callback."""
        payload = {"status": status, "message": message, **extra}
        result: dict[str, Any] = self.request(
            "POST", f"transactions/{trade_no}/status", {k: v for k, v in payload.items() if v}
        )
        return result

    def replay(self, callback_id: int) -> dict[str, Any]:
        """``POST /_sandbox/callbacks/{id}/replay``: send a sent callback again, byte for byte."""
        result: dict[str, Any] = self.request("POST", f"callbacks/{callback_id}/replay")
        return result

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        """``POST /_sandbox/clock/advance`` (a sandbox with the manual clock)."""
        result: dict[str, Any] = self.request("POST", "clock/advance", {"seconds": seconds})
        return result

    def scenarios(self) -> dict[str, Any]:
        """``GET /_sandbox/scenarios``: the scenarios in force."""
        result: dict[str, Any] = self.request("GET", "scenarios")
        return result

    def reload_scenarios(self) -> dict[str, Any]:
        """``POST /_sandbox/scenarios/reload``; a 422 answer (invalid files) is returned too."""
        result: dict[str, Any] = self.request("POST", "scenarios/reload", expect=(200, 422))
        return result


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class SandboxClient:
    """Signed gateway calls and the admin API of a sandbox running at ``url``.

    ``SandboxClient("http://127.0.0.1:8080")`` talks to a sandbox started elsewhere (a
    ``vexora-sandbox serve``, a container); :class:`SandboxServer` is the same client with
    the sandbox running in-process. ``merchant_no`` and ``secret`` are the merchant the
    calls are made and signed as; ``admin_token`` is sent to the ``/_sandbox/`` routes.
    """

    def __init__(
        self,
        url: str,
        *,
        merchant_no: str = DEFAULT_MERCHANT_NO,
        secret: str = DEFAULT_SECRET,
        admin_token: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.merchant_no = merchant_no
        self.secret = secret
        self.admin = AdminClient(self.url, admin_token)
        self._counter = 0

    def call(
        self,
        endpoint: str,
        body: Mapping[str, Any],
        *,
        area: str | None = None,
        sign: bool = True,
        merchant_no: str | None = None,
        timeout: float = 30,
    ) -> dict[str, Any]:
        """POST ``body`` (signed unless ``sign=False``) and return the gateway's JSON answer."""
        payload = dict(body)
        payload.setdefault("timestamp", str(int(time.time() * 1000)))
        if sign:
            payload["sign"] = signing.sign(payload, self.secret)
        prefix = f"/{area}" if area else ""
        headers = {"merchantNo": merchant_no or self.merchant_no}
        status, answer = _http(
            "POST", f"{self.url}{prefix}/v1/vexora/{endpoint}", payload, headers, timeout
        )
        if not isinstance(answer, dict):
            raise SandboxError(f"{endpoint} answered HTTP {status} without JSON: {answer!r}")
        return answer

    def next_trade_no(self) -> str:
        """A tradeNo no earlier call of this client used."""
        self._counter += 1
        return f"T{int(time.time() * 1000)}{self._counter:04d}"

    def payout(self, **fields: Any) -> dict[str, Any]:
        """A default-area disbursement; any field may be overridden (None drops it)."""
        body: dict[str, Any] = {
            "tradeNo": self.next_trade_no(),
            "amount": "100",
            "accountNo": "880123456789012345",
            "mobile": "0912345678",
            "email": "rizky.pratama@example.com",
            "firstname": "Rizky",
            "lastname": "Pratama",
            "notifyUrl": "http://127.0.0.1:9/notify",
        }
        area = fields.pop("area", None)
        body.update(fields)
        return self.call(
            "disbursements", {k: v for k, v in body.items() if v is not None}, area=area
        )

    def query_payout(self, trade_no: str, *, area: str | None = None) -> dict[str, Any]:
        """A signed ``queryPayOutResult`` for ``trade_no``; the gateway's answer."""
        return self.call("queryPayOutResult", {"tradeNo": trade_no}, area=area)

    def reset(self) -> None:
        """Forget every order, journal entry and pending callback (``POST /_sandbox/reset``)."""
        self.admin.reset()

    def wait_ready(self, timeout: float = 10) -> dict[str, Any]:
        """The health answer, once the sandbox answers it; SandboxError after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.admin.health()
            except (OSError, SandboxError) as exc:
                if time.monotonic() >= deadline:
                    raise SandboxError(
                        f"no Vexora sandbox answers at {self.url} (GET /_sandbox/health: {exc})"
                    ) from None
            time.sleep(0.05)

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised inside the sandbox; only known for an in-process SandboxServer."""
        return []

    def raise_errors(self) -> None:
        """Re-raise the first exception the sandbox hit while serving (SandboxServer only)."""

    def stop(self) -> None:
        """Nothing to stop for a sandbox running in another process."""


class SandboxServer(SandboxClient):
    """The sandbox in-process, on a background thread and a free port of 127.0.0.1.

    ``config`` is a SandboxConfig (its host and port are ignored); keyword arguments
    override its fields, e.g. ``SandboxServer(clock="manual")``. Use it as a context
    manager (``with`` or ``async with``) or call ``start()`` and ``stop()``. Calls are made
    and signed as the first configured merchant (``merchant_no``, ``secret``).
    An exception raised inside the server while serving is answered as a ``5000`` and kept
    in ``errors``; ``raise_errors()`` re-raises it in the caller.
    """

    def __init__(self, config: SandboxConfig | None = None, **overrides: Any) -> None:
        config = (config or SandboxConfig()).replace(**overrides)
        merchant = config.merchants[0]
        super().__init__(
            "http://127.0.0.1:0",
            merchant_no=merchant.merchant_no,
            secret=merchant.secret,
            admin_token=config.admin_token,
        )
        self.config = config
        self.app: web.Application | None = None
        self._loop: _LoopThread | None = None
        self._runner: web.AppRunner | None = None

    def start(self) -> SandboxServer:
        """Start serving (idempotent); returns self."""
        from vexora_sandbox.app import create_app
        from vexora_sandbox.server import listen

        if self._loop is not None:
            return self
        self.app = create_app(self.config)
        self._loop = _LoopThread("vexora-sandbox-server")
        try:
            listening = self._loop.run(listen(self.app, "127.0.0.1", 0))
        except BaseException:
            self._loop.close()
            self._loop = None
            raise
        self._runner = listening.runner
        self.url = listening.url
        self.admin.base_url = self.url
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        if self._runner is not None:
            self._loop.run(self._runner.cleanup())
        self._loop.close()
        self._loop = None

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised inside the server while serving (our own bugs)."""
        from vexora_sandbox import keys

        return [] if self.app is None else self.app[keys.ERRORS]

    def raise_errors(self) -> None:
        """Re-raise the first exception the server hit while serving, then forget them all."""
        errors = self.errors
        if errors:
            first, others = errors[0], errors[1:]
            errors.clear()
            if others:
                first.add_note(
                    f"the sandbox raised {len(others)} more exception(s) after it: "
                    + "; ".join(f"{type(e).__name__}: {e}" for e in others)
                )
            raise first

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> SandboxServer:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)


@dataclass(frozen=True)
class Reply:
    """How the receiver answers one callback."""

    status: int = 200
    body: str = "OK"
    delay: float = 0.0
    hang: bool = False


@dataclass
class ReceivedCallback:
    """One callback as the receiver got it: ``body`` parsed, ``raw`` bytes, ``headers``,
    ``sign_valid`` (None when the receiver has no secret) and the Reply it was answered."""

    body: dict[str, Any]
    raw: bytes
    headers: dict[str, str]
    path: str
    query: dict[str, str]
    sign_valid: bool | None
    replied: Reply
    received_at: float = field(default_factory=time.time)

    @property
    def trade_no(self) -> str:
        """The callback's ``tradeNo``."""
        return str(self.body.get("tradeNo", ""))

    @property
    def status(self) -> str:
        """The callback's ``status``."""
        return str(self.body.get("status", ""))


class CallbackReceiver:
    """A stand-in for the merchant's callback endpoint, on 127.0.0.1 and a free port.

    Records every callback, verifies its sign with ``secret``, and answers as told:
    ``reply(Reply(...))`` for every callback from now on, ``script([...])`` for the next
    ones in turn. ``wait_for(trade_no, status)`` blocks until one arrives.
    """

    def __init__(self, secret: str | None = DEFAULT_SECRET, path: str = "/notify") -> None:
        self.secret = secret
        self.path = path
        self.received: list[ReceivedCallback] = []
        self._default = Reply()
        self._script: list[Reply] = []
        self._changed = threading.Condition()
        self._loop: _LoopThread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The URL to give as ``notifyUrl``."""
        return f"http://127.0.0.1:{self.port}{self.path}"

    def reply(self, reply: Reply | str = "OK", status: int = 200) -> None:
        """Answer every callback from now on with ``reply`` (a Reply, or a body text)."""
        self._default = reply if isinstance(reply, Reply) else Reply(status, reply)

    def script(self, replies: list[Reply | str]) -> None:
        """Answer the next callbacks with these, in turn; then the default again."""
        self._script = [r if isinstance(r, Reply) else Reply(200, r) for r in replies]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        valid = None if self.secret is None else signing.verify(body, self.secret)
        reply = self._script.pop(0) if self._script else self._default
        record = ReceivedCallback(
            body=body,
            raw=raw,
            headers=dict(request.headers),
            path=request.path,
            query=dict(request.query),
            sign_valid=valid,
            replied=reply,
        )
        with self._changed:
            self.received.append(record)
            self._changed.notify_all()
        if reply.hang:
            await asyncio.sleep(3600)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return web.Response(status=reply.status, text=reply.body)

    def start(self) -> CallbackReceiver:
        """Start listening (idempotent); returns self."""
        from vexora_sandbox.server import listen

        if self._loop is not None:
            return self
        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", self._handle)
        self._loop = _LoopThread("vexora-callback-receiver")
        listening = self._loop.run(listen(app, "127.0.0.1", 0))
        self._runner = listening.runner
        self.port = listening.port
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._loop is None:
            return
        if self._runner is not None:
            self._loop.run(self._runner.cleanup())
        self._loop.close()
        self._loop = None

    def clear(self) -> None:
        """Forget the received callbacks and go back to answering ``OK``."""
        with self._changed:
            self.received.clear()
        self._script = []
        self._default = Reply()

    def matching(
        self, trade_no: str | None = None, status: str | None = None
    ) -> list[ReceivedCallback]:
        """The callbacks received so far for ``trade_no`` (and ``status``)."""
        return [
            r
            for r in list(self.received)
            if (trade_no is None or r.trade_no == trade_no)
            and (status is None or r.status == status)
        ]

    def wait_for(
        self,
        trade_no: str | None = None,
        status: str | None = None,
        *,
        timeout: float = 10,
        count: int = 1,
    ) -> ReceivedCallback:
        """The ``count``-th callback for ``trade_no`` (and ``status``); TimeoutError if none."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self.matching(trade_no, status)
                if len(found) >= count:
                    return found[count - 1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    what = f"{trade_no or 'any order'}" + (
                        f" with status {status}" if status else ""
                    )
                    raise TimeoutError(
                        f"{count} callback(s) for {what} did not arrive within {timeout:g} s; "
                        f"received {len(self.received)} in all"
                    )
                self._changed.wait(remaining)

    async def await_for(
        self,
        trade_no: str | None = None,
        status: str | None = None,
        *,
        timeout: float = 10,
        count: int = 1,
    ) -> ReceivedCallback:
        """``wait_for`` for async code: waits on a thread, not the event loop."""
        return await asyncio.to_thread(
            self.wait_for, trade_no, status, timeout=timeout, count=count
        )

    def __enter__(self) -> CallbackReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> CallbackReceiver:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)
