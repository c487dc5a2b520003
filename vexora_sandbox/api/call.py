"""One gateway call as it goes down the pipeline, and what the journal keeps of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vexora_sandbox.domain.store import Merchant
from vexora_sandbox.protocol.jsonbody import Body, field_text
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
    errors: list[str] = field(default_factory=list)
    error: str | None = None
    sign_base: str | None = None
    scenario: str | None = None
    fault: str | None = None
    answer: dict[str, Any] | None = None

    def journal_entry(self, http_status: int) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "time": self.received_at,
            "method": self.method,
            "path": self.path,
            "endpoint": self.endpoint,
            "area": self.url_area,
            "merchantNo": self.merchant_no,
            "body": self.body,
            "httpStatus": http_status,
            "response": self.answer,
        }
        if self.error is not None:
            entry["error"] = self.error
        if self.errors:
            entry["errors"] = self.errors
        if self.sign_base is not None:
            entry["signBase"] = self.sign_base
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
