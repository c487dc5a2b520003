"""The gateway's MD5 signature, used for incoming requests and outgoing callbacks alike.

Algorithm (https://docs.vexora.com/guide/areas/ "Signature"): take every field except
``sign`` whose value is not empty (missing, ``null`` or ``""``), sort the names by code
point, concatenate ``name=value`` with no separator, append the raw secret, MD5 the UTF-8
bytes, lower-case hex ("The sign should be in lowercase letters").

The intro page's Java builds the string with ``String.valueOf(map.get(key))`` and keeps
what ``isNotEmpty``: a JSON ``null`` becomes the text ``null`` and is signed as
``key=null``. Clients in other languages skip nulls. Incoming requests are accepted signed
either way (:data:`NULLS_SKIPPED`, :data:`NULLS_AS_TEXT`); what the sandbox signs itself
(callbacks) never carries a null.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

SIGN_FIELD = "sign"
# How a null value was signed: skipped (the algorithm as the pages state it) or as the
# text "null" (what the intro page's Java does).
NULLS_SKIPPED = "nulls skipped"
NULLS_AS_TEXT = "nulls signed as key=null"


def _text(name: str, value: Any) -> str:
    # A str (and a JsonNumber, which is a str holding the literal JSON text) signs as-is.
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        # What a JSON encoder would write for it, which is what the receiver signs.
        return json.dumps(value)
    raise TypeError(
        f"{name} cannot be signed: the API is flat and takes strings, numbers and booleans; "
        f"got {type(value).__name__}"
    )


def canonical_string(body: Mapping[str, Any], *, nulls_as_text: bool = False) -> str:
    """The string that is hashed, without the secret: ``key1=value1key2=value2``.

    ``nulls_as_text`` signs a null as ``key=null``, as the docs' Java does.
    """
    parts = []
    for name in sorted(body):
        value = body[name]
        if name == SIGN_FIELD or value == "":
            continue
        if value is None:
            if nulls_as_text:
                parts.append(f"{name}=null")
            continue
        parts.append(f"{name}={_text(name, value)}")
    return "".join(parts)


def has_null(body: Mapping[str, Any]) -> bool:
    """Whether a field other than ``sign`` is null: only then do the two ways differ."""
    return any(value is None for name, value in body.items() if name != SIGN_FIELD)


def sign_base(body: Mapping[str, Any], secret: str) -> str:
    """The canonical string with the secret appended: exactly what is hashed."""
    return canonical_string(body) + secret


def sign(body: Mapping[str, Any], secret: str) -> str:
    """The lower-case hex MD5 signature of ``body`` (its ``sign`` field, if any, ignored)."""
    return sign_canonical(canonical_string(body), secret)


def sign_canonical(canonical: str, secret: str) -> str:
    """The signature of an already built canonical string (saves building it twice)."""
    return hashlib.md5((canonical + secret).encode("utf-8")).hexdigest()


def matches(given: object, expected: str) -> bool:
    """Whether a received ``sign`` value is ``expected`` (upper-case hex accepted)."""
    if not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(given.lower().encode("utf-8"), expected.encode("ascii"))


def verify(body: Mapping[str, Any], secret: str) -> bool:
    """Whether ``body["sign"]`` is the right signature (upper-case hex accepted)."""
    return matches(body.get(SIGN_FIELD), sign(body, secret))


def signed(body: Mapping[str, Any], secret: str) -> dict[str, Any]:
    """A copy of ``body`` with its ``sign`` field set."""
    result = dict(body)
    result[SIGN_FIELD] = sign(body, secret)
    return result


def header_safe(text: str) -> str:
    """``text`` in printable ASCII, for a response header: a backslash is written ``\\\\``,
    a control character ``\\xNN``, anything beyond ASCII ``\\uXXXX`` (``\\UXXXXXXXX`` above
    U+FFFF), as Python and JSON write them.

    HTTP clients read header bytes as Latin-1 (Python's http.client, Node), so raw UTF-8
    arrived as mojibake ("GarcÃ­a") exactly when a merchant's signing of non-ASCII text
    went wrong.
    """
    out = []
    for char in text:
        code = ord(char)
        if char == "\\":
            out.append("\\\\")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x80:
            out.append(char)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)
