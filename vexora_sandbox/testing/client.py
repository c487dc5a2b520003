"""Clients of a running sandbox: signed gateway calls (SandboxClient) and its admin API."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from vexora_sandbox.domain.store import DEFAULT_MERCHANT
from vexora_sandbox.protocol import signing

DEFAULT_MERCHANT_NO = DEFAULT_MERCHANT.merchant_no
DEFAULT_SECRET = DEFAULT_MERCHANT.secret


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
    *,
    yaml_text: str | None = None,
) -> tuple[int, Any]:
    """``payload`` sent as JSON, or ``yaml_text`` as it is (a scenario file's text)."""
    if yaml_text is not None:
        data: bytes | None = yaml_text.encode("utf-8")
        content_type = "text/yaml; charset=utf-8"
    else:
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        content_type = "application/json"
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", content_type)
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
        yaml_text: str | None = None,
    ) -> Any:
        """Call ``/_sandbox/<path>`` with ``payload`` as JSON (or ``yaml_text`` as YAML): its
        JSON answer; SandboxError for a status not expected."""
        params = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        url = f"{self.base_url}/_sandbox/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        status, body = _http(method, url, payload, headers, timeout, yaml_text=yaml_text)
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

    def pay(
        self,
        trade_no: str,
        amount: str | None = None,
        *,
        status: str | None = None,
        merchant_no: str | None = None,
    ) -> dict[str, Any]:
        """``POST /_sandbox/transactions/{tradeNo}/payments``: the payer pays the pay-in (in
        full, in part with a smaller ``amount``, or fails with a failure ``status``); a paid
        Australia or Mexico order is paid again."""
        payload = {"amount": amount, "status": status, "merchantNo": merchant_no}
        result: dict[str, Any] = self.request(
            "POST",
            f"transactions/{trade_no}/payments",
            {k: v for k, v in payload.items() if v is not None},
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

    def add_scenarios(self, scenarios: Any, merchant_no: str | None = None) -> dict[str, Any]:
        """``POST /_sandbox/scenarios``: one scenario (a dict) or a list, in the files' format,
        or YAML text (a str) as in a scenario file; of ``merchant_no``, or global.

        SandboxError (status 422) for an invalid one, its message naming each problem with
        its line in the text (``the posted scenario:4: ...``)."""
        query = {"merchantNo": merchant_no}
        text = scenarios if isinstance(scenarios, str) else None
        payload = None if text is not None else scenarios
        try:
            result: dict[str, Any] = self.request(
                "POST", "scenarios", payload, query=query, expect=(201,), yaml_text=text
            )
        except SandboxError as exc:
            problems = exc.body.get("problems") if isinstance(exc.body, dict) else None
            if not isinstance(problems, list) or not problems:
                raise
            lines = "".join(f"\n  {p}" for p in problems)
            raise SandboxError(
                f"POST /_sandbox/scenarios answered {exc.status}: the scenarios were not "
                f"added:{lines}",
                status=exc.status,
                body=exc.body,
            ) from None
        return result

    def delete_scenarios(
        self, name: str | None = None, merchant_no: str | None = None
    ) -> dict[str, Any]:
        """``DELETE /_sandbox/scenarios[/{name}]``: one runtime scenario, or all of a scope."""
        path = "scenarios" if name is None else f"scenarios/{urllib.parse.quote(name, safe='')}"
        result: dict[str, Any] = self.request("DELETE", path, query={"merchantNo": merchant_no})
        return result

    def create_merchant(self, **fields: Any) -> dict[str, Any]:
        """``POST /_sandbox/merchants`` (fields: merchantNo, secret, area, balance, notifyUrl):
        the new merchant, with its secret."""
        result: dict[str, Any] = self.request("POST", "merchants", fields, expect=(201,))
        return result

    def delete_merchant(self, merchant_no: str) -> dict[str, Any]:
        """``DELETE /_sandbox/merchants/{no}``: a runtime merchant and everything it has."""
        result: dict[str, Any] = self.request("DELETE", f"merchants/{merchant_no}")
        return result

    def count_requests(self, **filters: Any) -> int:
        """``GET /_sandbox/requests/count``; filters merchantNo, endpoint, tradeNo, code,
        httpStatus, scenario."""
        result: int = self.request("GET", "requests/count", query=filters)["count"]
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


class MerchantClient(SandboxClient):
    """A SandboxClient for a merchant of its own on a shared sandbox: ``reset()`` resets
    that merchant only (its orders, callbacks, journal entries and runtime scenarios)."""

    def reset(self) -> None:
        """Forget this merchant's orders, callbacks, journal entries and runtime scenarios
        (``POST /_sandbox/reset?merchantNo=``); other merchants keep theirs."""
        self.admin.reset(self.merchant_no)
