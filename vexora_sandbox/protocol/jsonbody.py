"""Parse a request body the way the signature needs it.

A JSON number is signed by its literal text (``100.50`` signs as ``100.50``, never
``100.5``), so numbers are kept as :class:`JsonNumber`, a ``str`` subclass that remembers
it was a number. The API is flat: a nested object or array is a request error.
"""

from __future__ import annotations

import json
from typing import Any, TypeAlias

from vexora_sandbox.errors import GatewayError


class JsonNumber(str):
    """A JSON number kept as the exact text the client sent."""

    __slots__ = ()


Scalar: TypeAlias = str | bool | None
Body: TypeAlias = dict[str, Scalar]


def field_text(value: Scalar) -> str | None:
    """A field's value as text, as the sign sees it: ``true``/``false`` for a boolean, the
    literal text for a number, None for null (or a missing field)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


# Built once: json.loads with these arguments builds a decoder per call (half its cost).
_DECODER = json.JSONDecoder(
    parse_int=JsonNumber,
    parse_float=JsonNumber,
    parse_constant=_reject_constant,
    object_pairs_hook=_pairs,
)


def parse_body(raw: bytes) -> Body:
    """Parse ``raw`` into a flat body or raise a ``GatewayError`` saying what is wrong."""
    if not raw.strip():
        raise GatewayError("request body is empty; expected a JSON object")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GatewayError(
            f"request body is not valid UTF-8 (invalid byte at position {exc.start})"
        ) from None
    try:
        if text.startswith("\ufeff"):  # as json.loads refuses it (the decoder alone would not)
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        value = _DECODER.decode(text)
    except _DuplicateKey as exc:
        raise GatewayError(f"request body has the field {exc.key!r} more than once") from None
    except RecursionError:
        raise GatewayError("request body is not valid JSON: nested too deeply") from None
    except ValueError as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        where = (
            f" at line {exc.lineno} column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        raise GatewayError(f"request body is not valid JSON: {reason}{where}") from None
    if not isinstance(value, dict):
        raise GatewayError(f"request body must be a JSON object; got {describe_json_type(value)}")
    # A lone surrogate can only come from a \u escape: text decoded from UTF-8 has none.
    escaped = b"\\u" in raw
    for key, item in value.items():
        if escaped and ((isinstance(item, str) and not _encodable(item)) or not _encodable(key)):
            raise GatewayError(
                f"{_printable_key(key)} is not valid Unicode text: it contains an unpaired "
                "surrogate escape (\\ud800-\\udfff)"
            )
        if isinstance(item, dict | list):
            raise GatewayError(
                f"{key} must be a string or a number; got {describe_json_type(item)} "
                "(the API takes a flat JSON object)"
            )
    return value


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable_key(key: str) -> str:
    return key if _encodable(key) else "a field name"


def describe_json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, JsonNumber):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
