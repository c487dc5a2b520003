"""Per-call costs of the cheap per-request levers, next to what they replaced, in one run.

``gateway_time`` (cached per second) against ``datetime.strftime`` each call; platform
numbers (one 31-bit draw, a pair table) against ``random.choices``; a create's envelope
and a callback's body written by ``protocol.jsonout`` (orjson when installed) against
``json.dumps`` as before; a journal entry sized in one loop against a call per value; a
body parsed by one prebuilt decoder against ``json.loads`` with the same hooks;
``epoch_ms`` for scale. Min of 5 repeats of 100,000 calls each, in microseconds per call.
Run: ``.venv/bin/python bench/micro.py``.
"""

from __future__ import annotations

import json
import random
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import _harness as h

from vexora_sandbox.domain.clock import IdFactory, epoch_ms, gateway_time
from vexora_sandbox.journal import json_size
from vexora_sandbox.protocol import jsonbody, jsonout

NOW = 1_764_000_000.25
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


ENVELOPE = {
    "msg": "success",
    "code": "0000",
    "timestamp": 1_764_000_000_250,
    "success": True,
    "data": {
        "tradeNo": "HE000000012",
        "platFormTradeNo": "VXP0000000012abc123",
        "status": "PENDING",
        "message": "",
        "remark": "",
    },
}
CALLBACK = {
    "platFormTradeNo": "VXP0000000012abc123",
    "tradeNo": "HE000000012",
    "amount": "150",
    "status": "SUCCESS",
    "message": "success",
    "timestamp": "1764000000250",
    "successTime": "2025-11-24 16:00:00",
    "sign": "0123456789abcdef0123456789abcdef",
}
RAW = json.dumps(
    {
        "tradeNo": "HE000000012",
        "amount": "150",
        "accountNo": "880123456789012345",
        "mobile": "0912345678",
        "email": "rizky.pratama@example.com",
        "firstname": "Rizky",
        "lastname": "Pratama",
        "notifyUrl": "http://127.0.0.1:9000/notify",
        "timestamp": "1764000000250",
        "sign": "0123456789abcdef0123456789abcdef",
    },
    separators=(",", ":"),
).encode()
ENTRY = {
    "time": 1_764_000_000_250,
    "method": "POST",
    "path": "/v1/vexora/disbursements",
    "endpoint": "disbursements",
    "area": None,
    "merchantNo": "0000000001",
    "body": json.loads(RAW),
    "bodyText": RAW.decode(),
    "httpStatus": 200,
    "response": ENVELOPE,
    "scenario": "default",
}


def size_per_value(value: Any) -> int:
    """The journal's entry size as it was computed: one call per key and value."""
    if isinstance(value, str):
        return (len(value) if value.isascii() else len(value.encode("utf-8", "replace"))) + 2
    if isinstance(value, dict):
        return 2 + sum(size_per_value(k) + size_per_value(v) + 2 for k, v in value.items())
    if isinstance(value, list | tuple):
        return 2 + sum(size_per_value(v) + 1 for v in value)
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() * 3 // 10 + 2
    return 24


TEXT = RAW.decode()


def loads_per_call() -> object:
    """json.loads with parse_body's hooks: a decoder built per call."""
    return json.loads(
        TEXT,
        parse_int=jsonbody.JsonNumber,
        parse_float=jsonbody.JsonNumber,
        parse_constant=jsonbody._reject_constant,
        object_pairs_hook=jsonbody._pairs,
    )


def per_call(fn: Callable[[], object]) -> float:
    return min(timeit.repeat(fn, number=100_000, repeat=5)) * 10  # us per call


def main() -> int:
    print(f"machine: {h.machine()}")
    old_random = random.Random(1)
    count = 0

    def old_platform_no() -> str:
        nonlocal count
        count += 1
        return f"VXP{count:010d}{''.join(old_random.choices(ALPHABET, k=6))}"

    ids = IdFactory(seed=1)
    pairs = [
        (
            "gateway_time",
            lambda: datetime.fromtimestamp(NOW, UTC).strftime("%Y-%m-%d %H:%M:%S"),
            lambda: gateway_time(NOW),
        ),
        ("platform_trade_no", old_platform_no, ids.platform_trade_no),
        (
            "envelope JSON",
            lambda: json.dumps(ENVELOPE, ensure_ascii=False, separators=(",", ":")).encode(),
            lambda: jsonout.fast_bytes(ENVELOPE),
        ),
        (
            "callback body JSON",
            lambda: json.dumps(CALLBACK, ensure_ascii=False, separators=(",", ":")).encode(),
            lambda: jsonout.fast_bytes(CALLBACK),
        ),
        ("journal entry size", lambda: size_per_value(ENTRY), lambda: json_size(ENTRY)),
        ("body JSON decode", loads_per_call, lambda: jsonbody._DECODER.decode(TEXT)),
    ]
    for name, before, after in pairs:
        old, new = per_call(before), per_call(after)
        print(f"{name:<18} before {old:6.2f} us  after {new:6.2f} us  ({old / new:4.1f} x faster)")
    print(f"JSON writer: {'orjson' if jsonout.orjson_installed() else 'json (orjson missing)'}")
    print(f"{'epoch_ms':<18} {per_call(lambda: epoch_ms(NOW)):6.2f} us (not cached: one multiply)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
