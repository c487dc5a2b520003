"""Every gateway route answers the envelope whatever the body's Content-Encoding.

``Content-Encoding: br`` or ``zstd`` got aiohttp's text/plain 400 ("Please install
Brotli"), and some bad deflate bodies an ``HTTP/1.0 400`` with the body ``deflate``. gzip
and deflate are decoded; anything else is refused with 8000.
"""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

import pytest

from tests.conftest import MERCHANT_NO, Client, payout_body, signed
from vexora_sandbox.errors import GatewayError
from vexora_sandbox.protocol.encoding import codings, decode_body

ENVELOPE = {"msg", "code", "timestamp", "success", "data"}
BODY = json.dumps(signed(payout_body())).encode()


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


async def _post(client: Client, data: bytes, coding: str) -> tuple[int, str, dict[str, Any]]:
    response = await client.post(
        "/v1/vexora/disbursements",
        data=data,
        headers={
            "merchantNo": MERCHANT_NO,
            "Content-Type": "application/json",
            "Content-Encoding": coding,
        },
    )
    text = await response.text()
    assert response.content_type == "application/json", (response.status, text)
    answer: dict[str, Any] = json.loads(text)
    assert set(answer) == ENVELOPE, answer
    return response.status, answer["code"], answer


@pytest.mark.parametrize(
    ("coding", "data"),
    [
        ("gzip", gzip.compress(BODY)),
        ("x-gzip", gzip.compress(BODY)),
        ("deflate", zlib.compress(BODY)),
        ("deflate", _raw_deflate(BODY)),
        ("identity", BODY),
        ("gzip, deflate", zlib.compress(gzip.compress(BODY))),
    ],
    ids=["gzip", "x-gzip", "deflate-zlib", "deflate-raw", "identity", "gzip-then-deflate"],
)
async def test_encoded_bodies_are_decoded(client: Client, coding: str, data: bytes) -> None:
    status, code, answer = await _post(client, data, coding)
    assert (status, code) == (200, "0000"), answer
    assert answer["data"]["tradeNo"] == "T20261124000001"


@pytest.mark.parametrize("coding", ["br", "zstd", "compress", "snappy"])
async def test_other_encodings_are_refused_with_8000(client: Client, coding: str) -> None:
    status, code, answer = await _post(client, b"\x8b\x00\x80garbage", coding)
    assert (status, code) == (200, "8000")
    assert answer["msg"] == (
        f"unsupported Content-Encoding {coding!r}; the sandbox decodes gzip, deflate, identity"
    )


@pytest.mark.parametrize(
    ("coding", "data", "msg"),
    [
        ("deflate", b"deflate", "request body cannot be decoded: it is not valid deflate data"),
        ("deflate", b"\x78\x9c\x00", "request body cannot be decoded: the deflate data ends"),
        ("gzip", b"not gzip at all", "request body cannot be decoded: it is not valid gzip data"),
        ("gzip", gzip.compress(BODY)[:-6], "request body cannot be decoded: the gzip data ends"),
        ("gzip", gzip.compress(BODY) + b"xx", "request body cannot be decoded: the gzip data has"),
        ("gzip", b"", "request body cannot be decoded: the gzip data ends before its end"),
    ],
    ids=["deflate-text", "deflate-cut", "gzip-text", "gzip-cut", "gzip-trailing", "gzip-empty"],
)
async def test_bad_encoded_bodies_get_8000(
    client: Client, coding: str, data: bytes, msg: str
) -> None:
    status, code, answer = await _post(client, data, coding)
    assert (status, code) == (200, "8000")
    assert answer["msg"].startswith(msg), answer["msg"]


async def test_a_compressed_body_that_expands_past_the_limit_is_413(client: Client) -> None:
    bomb = gzip.compress(b"{" + b" " * (64 * 1024 * 1024) + b"}")  # 64 MiB from ~64 kB
    assert len(bomb) < 100_000
    status, code, answer = await _post(client, bomb, "gzip")
    assert (status, code) == (413, "8000")
    assert answer["msg"] == (
        "request body is too large once decoded (gzip): more than the limit of 1048576 bytes"
    )


def test_codings_are_read_in_order_and_identity_is_skipped() -> None:
    assert codings(None) == []
    assert codings(" GZip ,identity, Deflate") == ["gzip", "deflate"]
    assert codings("x-gzip") == ["gzip"]


def test_decode_body_unit() -> None:
    assert decode_body(gzip.compress(b"abc"), "gzip", 10) == b"abc"
    assert decode_body(b"abc", "identity", 10) == b"abc"
    with pytest.raises(GatewayError) as caught:
        decode_body(gzip.compress(b"x" * 11), "gzip", 10)
    assert caught.value.http_status == 413
