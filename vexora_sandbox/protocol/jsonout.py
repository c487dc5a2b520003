"""The JSON the sandbox writes: compact, UTF-8, non-ASCII as itself, a Decimal as its digits.

The wire format, the same on every path: separators ``,`` and ``:`` with no spaces, keys in
insertion order, non-ASCII characters written as UTF-8 (not ``\\uXXXX``), the control
characters escaped as the standard library escapes them (``\\n``, ``\\u0000``), and a
``Decimal`` as a JSON number with its exact digits (``9998989.1200``, as the balance pages
show: a float would print ``9998989.12``).

``wire_bytes`` is the standard library's ``json`` with one prebuilt encoder; it takes
anything that has been answered so far. ``fast_bytes`` is for the two payloads written on
every call, the gateway's envelope and a callback's body, which hold only strings, integers,
booleans, None, Decimals, lists and dicts with string keys (``protocol.wire`` builds them;
no float): it writes them with orjson when installed (the ``speed`` extra, ~10 us less per
payload here), and falls back to ``wire_bytes`` for anything orjson refuses (a lone
surrogate, an integer beyond 64 bits, a non-string key), so the bytes are the same either
way (tests/api/test_wire_json.py). Not for floats: orjson writes ``1e-05`` as ``0.00001``.
Parsing stays with the standard library (``protocol.jsonbody``): number literals and
duplicate keys must survive, which orjson's parser does not promise.
"""

from __future__ import annotations

import json
import re
import secrets
from decimal import Decimal
from types import ModuleType
from typing import Any

_orjson: ModuleType | None
try:  # the speed extra
    import orjson as _installed

    _orjson = _installed
except ImportError:  # the tests force this path too
    _orjson = None

# The standard library writes a Decimal as a marked string first, then unquotes it. The
# random tag keeps a merchant's own text from ever looking like one.
_TAG = secrets.token_hex(8)
_MARKED = re.compile(rf'"\\u0000{_TAG}(-?[0-9]+(?:\.[0-9]+)?)"')


def _marked_number(value: Any) -> str:
    if isinstance(value, Decimal) and value.is_finite():
        return f"\x00{_TAG}{value:f}"
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_marked_number)


def wire_text(payload: Any) -> str:
    """The payload as wire JSON text (standard library)."""
    text = _ENCODER.encode(payload)
    return _MARKED.sub(r"\1", text) if "\\u0000" in text else text


def wire_bytes(payload: Any) -> bytes:
    """The payload as wire JSON bytes (standard library)."""
    return wire_text(payload).encode("utf-8")


def _fragment(value: Any) -> Any:
    if isinstance(value, Decimal) and value.is_finite():
        return _orjson.Fragment(f"{value:f}") if _orjson else None
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# orjson would write dataclasses and datetimes itself where the standard library refuses
# them: handed to ``_fragment``, they are refused the same way.
_OPTIONS = 0
if _orjson is not None:
    _OPTIONS = _orjson.OPT_PASSTHROUGH_DATACLASS | _orjson.OPT_PASSTHROUGH_DATETIME


def fast_bytes(payload: Any) -> bytes:
    """``wire_bytes(payload)`` for a payload without floats, through orjson when installed."""
    if _orjson is not None:
        try:
            written: bytes = _orjson.dumps(payload, default=_fragment, option=_OPTIONS)
        except TypeError:  # orjson.JSONEncodeError: let the standard library decide
            pass
        else:
            return written
    return wire_bytes(payload)


def orjson_installed() -> bool:
    return _orjson is not None
