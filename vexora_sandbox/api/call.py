"""One gateway call as it goes down the pipeline, and what the journal keeps of it."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from vexora_sandbox.domain.store import Merchant
from vexora_sandbox.protocol.jsonbody import Body, JsonNumber, field_text
from vexora_sandbox.protocol.rules import Area, EndpointRules


@dataclass(slots=True)
class Call:
    """Filled step by step by ``api.routes.dispatch``; each step reads what the ones
    before it set. An operation sees a call whose merchant, area, rules and body are set."""

    method: str
    path: str
    endpoint: str | None
    url_area: str | None
    received_at: int
    # The scheme and host the call came in on: the base of the payment page's URL.
    origin: str = ""
    merchant_no: str | None = None
    merchant: Merchant | None = None
    area: Area | None = None
    rules: EndpointRules | None = None
    body: Body | None = None
    # The body's bytes as they arrived (also for a call refused before its body was parsed).
    raw: bytes | None = None
    # A multipart body's files: field name -> "filename (N bytes)"; not signed.
    files: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    error: str | None = None
    sign_base: str | None = None
    # Which way of signing a null matched (protocol.signing), and the case accepted.
    sign_match: str | None = None
    scenario: str | None = None
    fault: str | None = None
    answer: dict[str, Any] | None = None
    # With sign_answers on: the merchant's secret, which signs every envelope it is sent.
    answer_secret: str | None = None

    def journal_entry(self, http_status: int) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "time": self.received_at,
            "method": self.method,
            "path": self.path,
            "endpoint": self.endpoint,
            "area": self.url_area,
            "merchantNo": self.merchant_no,
            "body": journal_fields(self.body, self.raw),
            "bodyText": None if self.raw is None else self.raw.decode("utf-8", "replace"),
            "httpStatus": http_status,
            "response": self.answer,
        }
        if self.error is not None:
            entry["error"] = self.error
        if self.errors:
            entry["errors"] = self.errors
        if self.sign_base is not None:
            entry["signBase"] = self.sign_base
        if self.sign_match is not None:
            entry["signMatched"] = self.sign_match
        if self.files:
            entry["files"] = self.files
        if self.scenario is not None:
            entry["scenario"] = self.scenario
        if self.fault is not None:
            entry["fault"] = self.fault
        return entry


@dataclass(slots=True)
class Checked:
    """What an operation needs of a call that passed every check."""

    endpoint: str
    merchant: Merchant
    area: Area
    rules: EndpointRules
    body: Body
    origin: str

    def text(self, name: str) -> str:
        """A field's value as text ('' when absent or null)."""
        return field_text(self.body.get(name)) or ""


def journal_fields(body: Body | None, raw: bytes | None) -> Any:
    """The body's fields with their JSON types, as the client sent them.

    A number is journaled as a number (``bodyText`` keeps its literal text: ``100.50``
    shows as ``100.5`` here). A flat body refused before or while parsing is parsed again
    here; anything else (no JSON, not an object, nested values) is ``null``: ``bodyText``
    has it, and nothing deep is copied into the journal.
    """
    if body is None:
        if not raw:
            return None
        try:
            parsed = json.loads(raw.decode("utf-8"), parse_int=JsonNumber, parse_float=JsonNumber)
        except (ValueError, RecursionError):
            return None
        if not isinstance(parsed, dict) or any(isinstance(v, dict | list) for v in parsed.values()):
            return None
        body = parsed
    # An ASCII str is journaled as it is (most fields): no call for it.
    return {
        k if type(k) is str and k.isascii() else _typed(k): (
            v if type(v) is str and v.isascii() else _typed(v)
        )
        for k, v in body.items()
    }


def _typed(value: Any) -> Any:
    if isinstance(value, JsonNumber):
        number = float(value) if any(c in value for c in ".eE") else int(value)
        return number if not isinstance(number, float) or math.isfinite(number) else str(value)
    if isinstance(value, str):
        # A lone surrogate (a refused \ud800 escape) cannot be written as UTF-8.
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value
