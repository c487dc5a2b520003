"""Requests the gateway refuses: merchant header, body, sign, method and path errors.

Every refusal is the gateway's JSON envelope with code 8000 (never a 500, never HTML), and
HTTP 200 unless the HTTP layer itself is the problem (405, 404, 413).
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, SECRET, START, TEST_SCENARIOS, payout_body, signed
from tests.support.vectors import DOCS_EXAMPLE, DOCS_EXAMPLE_BASE, DOCS_EXAMPLE_SIGN
from vexora_sandbox import Merchant, SandboxConfig, create_app, keys, sign

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Client = TestClient[web.Request, web.Application]
NOW_MS = int(START * 1000)
PATH = "/v1/vexora/disbursements"
LIMIT = 1024 * 1024

BUILT_IN = (
    "; this sandbox serves 0000000001 (the built-in merchant; configure yours with "
    "--config FILE, or add one with POST /_sandbox/merchants)"
)


def failed(msg: str) -> dict[str, Any]:
    return {"msg": msg, "code": "8000", "timestamp": NOW_MS, "success": False, "data": None}


async def post(
    client: Client,
    data: Any,
    *,
    path: str = PATH,
    headers: dict[str, str] | None = None,
) -> tuple[int, str, dict[str, Any]]:
    """POST ``data`` as-is; (HTTP status, content type, JSON answer)."""
    sent = {"merchantNo": MERCHANT_NO, "Content-Type": "application/json"}
    sent.update(headers or {})
    response = await client.post(path, data=data, headers=sent)
    assert response.content_type == "application/json", await response.text()
    return response.status, response.content_type, await response.json()


# --- merchantNo header ---------------------------------------------------------------


async def test_missing_merchant_header(gateway: Gateway) -> None:
    assert await gateway("disbursements", payout_body(), merchant_no=None) == (
        200,
        failed("the merchantNo header is missing"),
    )


async def test_unknown_merchant(gateway: Gateway) -> None:
    assert await gateway("disbursements", payout_body(), merchant_no="0000000009") == (
        200,
        failed("merchant '0000000009' does not exist" + BUILT_IN),
    )


async def test_an_unknown_merchant_hears_which_ones_the_config_file_lists(
    aiohttp_client: Any,
) -> None:
    merchants = tuple(Merchant(f"00000001{i:02d}", "s") for i in range(12))
    config = SandboxConfig(
        scenarios=TEST_SCENARIOS, merchants=merchants, config_file="sandbox.yaml"
    )
    client = await aiohttp_client(create_app(config))
    status, _, answer = await post(client, json.dumps(signed(payout_body())))
    assert (status, answer["code"], answer["success"]) == (200, "8000", False)
    assert answer["msg"] == (
        "merchant '0000000001' does not exist; this sandbox serves "
        + ", ".join(m.merchant_no for m in merchants[:10])
        + " and 2 more (configured in sandbox.yaml, or add one with POST /_sandbox/merchants)"
    )


async def test_empty_merchant_header(gateway: Gateway) -> None:
    assert await gateway("disbursements", payout_body(), merchant_no="") == (
        200,
        failed("the merchantNo header is empty"),
    )


# --- body ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "msg"),
    [
        (b"", "request body is empty; expected a JSON object"),
        (
            b"tradeNo=T1&amount=100",
            "request body is not valid JSON: Expecting value at line 1 column 1",
        ),
        (
            b'{"tradeNo":"T1"',
            "request body is not valid JSON: Expecting ',' delimiter at line 1 column 16",
        ),
        (b'[{"tradeNo":"T1"}]', "request body must be a JSON object; got an array"),
        (b'"tradeNo"', "request body must be a JSON object; got a string"),
        (
            b'{"tradeNo":"T1","payee":{"name":"Ana"}}',
            "payee must be a string or a number; got an object (the API takes a flat JSON object)",
        ),
        (
            b'{"tradeNo":"T1","amount":["100"]}',
            "amount must be a string or a number; got an array (the API takes a flat JSON object)",
        ),
        (
            b'{"lastname":"Garc\xeda"}',
            "request body is not valid UTF-8 (invalid byte at position 17)",
        ),
        (b'{"tradeNo":"T1","tradeNo":"T2"}', "request body has the field 'tradeNo' more than once"),
        (
            b'\xef\xbb\xbf{"tradeNo":"T1"}',
            "request body is not valid JSON: Unexpected UTF-8 BOM (decode using utf-8-sig) "
            "at line 1 column 1",
        ),
    ],
    ids=[
        "empty",
        "form-encoded",
        "truncated",
        "array",
        "string",
        "nested-object",
        "nested-array",
        "latin-1",
        "duplicate-key",
        "byte-order-mark",
    ],
)
async def test_bad_bodies_are_8000_saying_why(client: Client, raw: bytes, msg: str) -> None:
    assert await post(client, raw) == (200, "application/json", failed(msg))


async def test_a_lone_surrogate_escape_is_8000_not_a_system_exception(
    client: Client, app: web.Application
) -> None:
    # Valid JSON syntax, but no Unicode text: it cannot be signed as UTF-8. A 5000 would
    # tell the merchant the payout may still complete; nothing was created.
    raw = json.dumps({**payout_body(), "lastname": "\ud800", "sign": "0" * 32}).encode()
    status, _, answer = await post(client, raw)
    assert (status, answer["code"], answer["success"], answer["data"]) == (200, "8000", False, None)
    assert answer["msg"] == (
        "lastname is not valid Unicode text: it contains an unpaired surrogate escape "
        "(\\ud800-\\udfff)"
    )
    assert list(app[keys.STORE].orders()) == []


async def test_a_body_that_is_not_the_gzip_it_claims_is_8000(client: Client) -> None:
    # The body cannot be read at all: a request error like invalid UTF-8, not a 5000
    # (which tells a merchant that the payout may still complete).
    status, _, answer = await post(
        client, b"not gzip at all", headers={"Content-Encoding": "gzip", "Connection": "close"}
    )
    assert (status, answer["code"], answer["success"], answer["data"]) == (200, "8000", False, None)
    assert answer["msg"].startswith("request body ")


async def test_a_gzip_body_is_read(client: Client) -> None:
    raw = gzip.compress(json.dumps(signed(payout_body())).encode())
    status, _, answer = await post(client, raw, headers={"Content-Encoding": "gzip"})
    assert (status, answer["code"], answer["msg"]) == (200, "0000", "success")


async def test_a_body_over_one_mib_is_413_with_the_envelope(client: Client) -> None:
    assert await post(client, io.BytesIO(b" " * (LIMIT + 1))) == (
        413,
        "application/json",
        failed(f"request body is too large ({LIMIT + 1} bytes); the limit is {LIMIT} bytes"),
    )


async def test_a_chunked_body_over_one_mib_is_413_with_the_envelope(client: Client) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(16):
            yield b" " * (LIMIT // 16)
        yield b" "

    assert await post(client, chunks()) == (
        413,
        "application/json",
        failed(f"request body is too large ({LIMIT + 1} bytes); the limit is {LIMIT} bytes"),
    )


def _exactly(size: int) -> bytes:
    """A valid signed payout whose JSON text is exactly ``size`` bytes (padded by a field)."""

    def encoded(pad: str) -> bytes:
        return json.dumps(signed(payout_body(pad=pad)), separators=(",", ":")).encode()

    return encoded("x" * (size - len(encoded(""))))


async def test_a_body_of_exactly_one_mib_is_accepted(client: Client) -> None:
    raw = _exactly(LIMIT)
    assert len(raw) == LIMIT
    status, _, answer = await post(client, io.BytesIO(raw))
    assert (status, answer["code"], answer["msg"]) == (200, "0000", "success")


# --- sign ----------------------------------------------------------------------------


async def test_missing_sign(client: Client) -> None:
    response = await client.post(PATH, json=DOCS_EXAMPLE, headers={"merchantNo": MERCHANT_NO})
    assert response.status == 200
    assert await response.json() == failed("sign error: the sign field is missing")
    assert response.headers["X-Sandbox-Sign-Base"] == DOCS_EXAMPLE_BASE + "{secret}"
    assert response.headers["X-Sandbox-Expected-Sign"] == DOCS_EXAMPLE_SIGN


@pytest.mark.parametrize(
    "wrong",
    ["0" * 32, sign(DOCS_EXAMPLE, "another-secret"), DOCS_EXAMPLE_SIGN[:-1]],
    ids=["zeros", "other-secret", "truncated"],
)
async def test_wrong_sign_shows_the_base_string_and_the_expected_sign(
    client: Client, wrong: str
) -> None:
    response = await client.post(
        PATH, json={**DOCS_EXAMPLE, "sign": wrong}, headers={"merchantNo": MERCHANT_NO}
    )
    assert response.status == 200
    assert await response.json() == failed(
        "sign error: sign does not match the body signed with this merchant's secret "
        "(the X-Sandbox-Sign-Base response header shows the string that was hashed)"
    )
    assert response.headers["X-Sandbox-Sign-Base"] == DOCS_EXAMPLE_BASE + "{secret}"
    assert response.headers["X-Sandbox-Expected-Sign"] == DOCS_EXAMPLE_SIGN


async def test_the_sign_base_header_carries_non_ascii_text_and_number_literals(
    client: Client,
) -> None:
    raw = (
        '{"amount":"250","mobile":"0912345678","email":"ana.garcia@example.com",'
        '"accountNo":"0000003100012345678901","firstname":"Ana","lastname":"García",'
        '"tradeNo":"T20261124000001","notifyUrl":"http://127.0.0.1:9000/notify","remark":"",'
        '"timestamp":1764000000000,"sign":"wrong"}'
    ).encode()
    response = await client.post(
        PATH, data=raw, headers={"merchantNo": MERCHANT_NO, "Content-Type": "application/json"}
    )
    assert (await response.json())["msg"].startswith("sign error: sign does not match")
    # Non-ASCII is escaped (\u00ed): clients read header bytes as Latin-1.
    assert response.headers["X-Sandbox-Sign-Base"] == (
        "accountNo=0000003100012345678901amount=250email=ana.garcia@example.com"
        "firstname=Analastname=Garc\\u00edamobile=0912345678"
        "notifyUrl=http://127.0.0.1:9000/notify"
        "timestamp=1764000000000tradeNo=T20261124000001{secret}"
    )
    assert response.headers["X-Sandbox-Expected-Sign"] == "a16bef2fbfbf40ac82baa0d6ea4dfa63"


async def test_the_seed_example_signs_right_but_fails_the_mobile_rule(client: Client) -> None:
    response = await client.post(
        PATH, json={**DOCS_EXAMPLE, "sign": DOCS_EXAMPLE_SIGN}, headers={"merchantNo": MERCHANT_NO}
    )
    assert await response.json() == failed(
        "mobile must be a 10-digit number starting with 0 (e.g. 09XXXXXXXX); "
        'got "081234567890" (12 digits)'
    )
    assert "X-Sandbox-Sign-Base" not in response.headers


async def test_a_sign_made_with_another_merchants_secret_is_refused(gateway: Gateway) -> None:
    body = {**payout_body(), "sign": sign(payout_body(), "not-" + SECRET)}
    _, answer = await gateway("disbursements", body, sign_it=False)
    assert answer["code"] == "8000"
    assert answer["msg"].startswith("sign error: sign does not match")


async def test_the_sign_is_checked_before_the_field_rules(gateway: Gateway) -> None:
    _, answer = await gateway("disbursements", payout_body(amount="abc"), sign_it=False)
    assert answer == failed("sign error: the sign field is missing")


# --- method and path -----------------------------------------------------------------


@pytest.mark.parametrize("path", [PATH, "/default" + PATH, "/v1/vexora/queryPayOutResult"])
async def test_get_on_an_endpoint_is_405_with_the_envelope(client: Client, path: str) -> None:
    response = await client.get(path, headers={"merchantNo": MERCHANT_NO})
    assert response.status == 405
    assert response.content_type == "application/json"
    assert response.headers["Allow"] == "POST"
    assert await response.json() == failed(
        "method GET is not allowed here; every Vexora API call is a POST"
    )


async def test_an_unknown_endpoint_is_404_with_the_envelope(client: Client) -> None:
    status, _, answer = await post(
        client, json.dumps(signed(payout_body())), path="/v1/vexora/payout"
    )
    assert status == 404
    assert (answer["code"], answer["success"], answer["data"]) == ("8000", False, None)
    assert answer["msg"].startswith("unknown endpoint 'payout'; the sandbox serves: ")
    assert "disbursements" in answer["msg"]


@pytest.mark.parametrize("path", ["/", "/v1/disbursements", "/a/b/v1/vexora/disbursements"])
async def test_an_unknown_path_is_404_with_the_envelope(client: Client, path: str) -> None:
    status, _, answer = await post(client, b"{}", path=path)
    assert (status, answer) == (404, failed(f"no such endpoint: {path}"))


@pytest.mark.parametrize(
    ("path", "status", "msg"),
    [
        ("/%0A", 404, "no such endpoint: /\n"),
        ("/a%0Ab", 404, "no such endpoint: /a\nb"),
        (
            "/v1/vexora/%0D%0A",
            405,
            "method GET is not allowed here; every Vexora API call is a POST",
        ),
    ],
)
async def test_a_path_with_a_line_break_gets_the_envelope(
    client: Client, path: str, status: int, msg: str
) -> None:
    # Found by the fuzz suite: the catch-all route's pattern stopped at a line break, and
    # aiohttp answered such a path with its own text/plain 404.
    response = await client.get(path)
    assert (response.status, response.content_type) == (status, "application/json")
    assert await response.json() == failed(msg)
