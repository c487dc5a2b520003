"""The optional ``sign`` of the gateway's answers (the ``sign_answers`` setting).

The pages tell a merchant how to sign a request and that callbacks carry a ``sign``; no
stored page shows a ``sign`` in an answer, nor says what it would cover. So this is a
sandbox choice, off by default, for merchants whose code verifies answers
(docs/protocol.md "Signed answers"): the request algorithm (``protocol.signing``) over one
flat map made of

- the envelope's fields but ``sign`` and ``data``: ``msg``, ``code``, ``timestamp``,
  ``success``;
- ``data``'s fields under their own names when ``data`` is an object (no answer's data
  has a field named like an envelope field); ``data`` itself when it is a single value
  (a submit's ``true``).

Values are written as text: a string as it is; ``true``/``false``; a JSON number in plain
decimal notation without trailing fractional zeros (``9998989.1200`` as ``9998989.12``,
``0.0000`` as ``0``, what JavaScript's ``String(n)`` gives), so that a client that parses
the JSON into floats signs the same text. ``null``, ``""`` and nested lists or objects
(Mexico's ``paymentList``) are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from vexora_sandbox.protocol.jsonbody import JsonNumber
from vexora_sandbox.protocol.signing import SIGN_FIELD, matches, sign_canonical

DATA = "data"


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _text(value: Any) -> str | None:
    """A value as the sign writes it; None: left out."""
    if value is None or isinstance(value, list | dict):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, JsonNumber | float | int | Decimal):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        return _number(number) if number.is_finite() else str(value)
    text = str(value)
    return text or None


def answer_fields(answer: Mapping[str, Any]) -> dict[str, str]:
    """The flat map an answer's sign covers, every value as its signed text."""
    fields = {name: value for name, value in answer.items() if name not in (SIGN_FIELD, DATA)}
    data = answer.get(DATA)
    if isinstance(data, Mapping):
        fields |= {name: value for name, value in data.items() if name not in fields}
    elif data is not None:
        fields[DATA] = data
    written = {name: _text(value) for name, value in fields.items()}
    return {name: text for name, text in written.items() if text is not None}


def canonical_answer(answer: Mapping[str, Any]) -> str:
    fields = answer_fields(answer)
    return "".join(f"{name}={fields[name]}" for name in sorted(fields))


def answer_sign(answer: Mapping[str, Any], secret: str) -> str:
    return sign_canonical(canonical_answer(answer), secret)


def signed_answer(answer: Mapping[str, Any], secret: str) -> dict[str, Any]:
    """The answer with its ``sign`` set, after ``success`` and before ``data``."""
    result = {name: value for name, value in answer.items() if name != DATA}
    result[SIGN_FIELD] = answer_sign(answer, secret)
    if DATA in answer:
        result[DATA] = answer[DATA]
    return result


def verify_answer(answer: Mapping[str, Any], secret: str) -> bool:
    return matches(answer.get(SIGN_FIELD), answer_sign(answer, secret))
