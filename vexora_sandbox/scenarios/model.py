"""What a scenario is, once loaded: plain frozen data."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal, get_args

from vexora_sandbox.domain.orders import PROCESSING, SUCCESS, default_message
from vexora_sandbox.protocol.names import ORDER_ENDPOINTS

Fault = Literal["http_500", "connection_reset", "malformed_json", "empty_body", "timeout"]
SignMode = Literal["valid", "invalid", "missing"]
FAULTS: tuple[Fault, ...] = get_args(Fault)
SIGN_MODES: tuple[SignMode, ...] = get_args(SignMode)


@dataclass(frozen=True, slots=True)
class Condition:
    """One test on a field's text. ``gte``/``lte`` compare as decimals."""

    op: str
    value: str | tuple[str, ...] | re.Pattern[str] | Decimal

    def test(self) -> Callable[[str | None], bool]:
        """This condition as a function of a field's text (None: the field is absent).

        Built once per scenario load: the common string tests become a single method call.
        """
        value = self.value
        if self.op == "exists":
            present = bool(value)
            return lambda text: (text is not None) == present
        if self.op == "equals":
            return lambda text: text == value
        if self.op == "in":
            assert isinstance(value, tuple)
            return lambda text: text in value
        if self.op == "prefix":
            assert isinstance(value, str)
            return lambda text: text is not None and text.startswith(value)
        if self.op == "suffix":
            assert isinstance(value, str)
            return lambda text: text is not None and text.endswith(value)
        if self.op == "regex":
            assert isinstance(value, re.Pattern)
            pattern = value
            return lambda text: text is not None and pattern.search(text) is not None
        assert isinstance(value, Decimal)
        bound = value
        at_least = self.op == "gte"

        def compare(text: str | None) -> bool:
            if text is None:
                return False
            try:
                number = Decimal(text)
            except InvalidOperation:
                return False
            if number.is_nan():  # "NaN" compares with nothing (and would raise)
                return False
            return number >= bound if at_least else number <= bound

        return compare

    def holds(self, text: str | None) -> bool:
        return self.test()(text)


@dataclass(frozen=True, slots=True)
class Match:
    """All conditions must hold. ``account`` tests the area's account-number field."""

    endpoints: tuple[str, ...] = tuple(ORDER_ENDPOINTS)
    merchant_nos: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    account: tuple[Condition, ...] = ()
    body: tuple[tuple[str, tuple[Condition, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    code: str = "0000"
    msg: str | None = None
    status: str = PROCESSING
    message: str | None = None
    delay: float = 0.0
    fault: Fault | None = None

    @property
    def status_message(self) -> str:
        return self.message or default_message(self.status)


@dataclass(frozen=True, slots=True)
class CallbackSpec:
    after: float
    status: str
    message: str | None = None
    amount: str | None = None
    sign: SignMode = "valid"
    repeat: int = 1

    @property
    def status_message(self) -> str:
        return self.message or default_message(self.status)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str = ""
    match: Match = field(default_factory=Match)
    response: ResponseSpec = field(default_factory=ResponseSpec)
    callbacks: tuple[CallbackSpec, ...] = ()
    priority: int = 0
    source: str = ""
    line: int | None = None

    def as_json(self) -> dict[str, object]:
        """A summary for ``GET /_sandbox/scenarios``."""
        return {
            "name": self.name,
            "description": self.description,
            "priority": self.priority,
            "source": f"{self.source}:{self.line}" if self.line else self.source,
            "endpoints": list(self.match.endpoints),
            "response": {
                "code": self.response.code,
                "status": self.response.status,
                "delay": self.response.delay,
                "fault": self.response.fault,
            },
            "callbacks": [
                {"after": c.after, "status": c.status, "sign": c.sign, "repeat": c.repeat}
                for c in self.callbacks
            ],
        }


# When nothing matches: accepted with 0015, then a 0000 "SUCCESS" callback after 2 s.
DEFAULT_SCENARIO = Scenario(
    name="default",
    description="Accepted (0015), then a SUCCESS callback after 2 seconds.",
    callbacks=(CallbackSpec(after=2.0, status=SUCCESS, message="SUCCESS"),),
    source="built-in",
)
