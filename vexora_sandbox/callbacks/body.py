"""What a callback carries: its fields, its sign, its bytes, and where it goes."""

from __future__ import annotations

import re

import yarl

from vexora_sandbox.callbacks import http
from vexora_sandbox.protocol import jsonout, signing, wire
from vexora_sandbox.scenarios.model import SignMode

# A URL that is already percent-encoded: printable ASCII, every % followed by two hex digits.
_ENCODED_URL = re.compile(r"(?:[!#-$&-~]|%[0-9A-Fa-f]{2})+")


def target(url: str) -> str:
    """The notifyUrl to POST to, exactly as the merchant gave it.

    A merchant may compare or sign its own callback URL as written, so an encoded URL is
    sent byte for byte (``%2F`` stays ``%2F``). A URL that is not encoded yet (spaces,
    non-ASCII) is encoded once by yarl.
    """
    if _ENCODED_URL.fullmatch(url):
        return url
    try:
        return str(yarl.URL(url))
    except (ValueError, TypeError):
        return url  # the client reports why it cannot be used


# The callback's fields, every value a string (docs: "Asynchronous notification"); no sign.
callback_body = wire.callback_fields


def signed_payload(
    body: dict[str, str], secret: str, mode: SignMode
) -> tuple[dict[str, str], bytes]:
    """The body with its sign as the scenario says (valid, invalid, missing), and its bytes."""
    if mode == "valid":
        body["sign"] = signing.sign(body, secret)
    elif mode == "invalid":
        body["sign"] = signing.sign(body, secret + "\x00not-the-secret")
    # Every value a string: the fast path writes the same bytes (protocol.jsonout).
    return body, jsonout.fast_bytes(body)


def destination_of(url: str) -> http.Destination | None:
    """Where ``url`` goes, for the per-destination cap; None when it cannot be used at all."""
    try:
        return http.parse_url(target(url)).destination
    except ValueError:
        return None
