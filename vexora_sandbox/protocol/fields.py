"""The rule for one field of a request body, the condition a conditional rule applies
under, and the message when a value breaks a rule.

``rules.py`` groups these per endpoint and area and loads them from the area files;
``docs/areas.md`` lists every message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal, get_args

from vexora_sandbox.protocol.jsonbody import Body, JsonNumber, describe_json_type

FieldType = Literal["string", "amount", "email", "gmail", "url", "timestamp"]
Validation = Literal["strict", "lenient"]

TYPES: tuple[FieldType, ...] = get_args(FieldType)
_AMOUNT_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
# Epoch milliseconds have 13 digits from 2001 until 2286; anything else is a mistake,
# most often epoch seconds (10 digits), which the message names.
_MILLIS_TEXT = re.compile(r"[0-9]{13}")
_SECONDS_TEXT = re.compile(r"[0-9]{10}")
# Deliberately plain: one @, a dot in the domain, no spaces. What a payment page accepts.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_GMAIL = re.compile(r"[^@\s]+@gmail\.com", re.IGNORECASE)
_URL = re.compile(r"(?P<scheme>https?)://[^\s/?#]+[^\s]*", re.IGNORECASE)
_TIMESTAMP_RULE = "must be epoch milliseconds (e.g. 1719876543210)"


@dataclass(frozen=True, slots=True)
class FieldRule:
    """The rule for one field of one endpoint.

    ``check`` takes a ``when`` text: a conditional rule (``conditions`` in an area file) is
    a FieldRule too, and its messages say which condition made it apply.
    """

    name: str
    required: bool = False
    type: FieldType = "string"
    pattern: re.Pattern[str] | None = None
    rule: str = ""
    min_length: int | None = None
    max_length: int | None = None
    values: tuple[str, ...] = ()
    decimals: int = 0
    min: Decimal | None = None
    max: Decimal | None = None
    https_only: bool = False
    example: str | None = None

    def check(self, body: Body, validation: Validation, when: str = "") -> str | None:
        """The error message for this field of ``body``, or None when it passes.

        ``when`` (e.g. ``' when idType is "DNI"'``) goes after "required" and before
        "; got" in the message.
        """
        if self.name not in body:
            return f"{self.name} is required{when} but missing" if self.required else None
        value = body[self.name]
        if value is None or value == "":
            if self.required:
                state = "null" if value is None else "empty"
                return f"{self.name} is required{when} but {state}"
            return None
        type_error = self._check_type(value)
        if type_error or validation == "lenient":
            return type_error
        assert isinstance(value, str)
        return self._check_value(value, when)

    def _check_type(self, value: object) -> str | None:
        numbers_allowed = self.type in ("amount", "timestamp")
        if isinstance(value, JsonNumber):
            if numbers_allowed:
                return None
            return f"{self.name} must be a string; got a number ({value})"
        if isinstance(value, str):
            return None
        wanted = "a string or a number" if numbers_allowed else "a string"
        return f"{self.name} must be {wanted}; got {describe_json_type(value)} ({_json(value)})"

    def _check_value(self, value: str, when: str) -> str | None:
        violation = self._violation(value)
        if violation is None:
            return None
        # The received value is quoted only on the error path: valid calls are the hot path.
        must, detail = violation
        return f"{self.name} {must}{when}; got {quote(value)}{detail}"

    def _violation(self, value: str) -> tuple[str, str] | None:
        """What the value must be (and a detail after it), or None when it passes."""
        if self.type == "amount":
            return self._amount_violation(value)
        if self.type == "timestamp":
            return _timestamp_violation(value)
        if self.type == "email" and not _EMAIL.fullmatch(value):
            return "must be an email address (e.g. name@example.com)", ""
        if self.type == "gmail" and not (_GMAIL.fullmatch(value) and _EMAIL.fullmatch(value)):
            return "must be a gmail.com email address (e.g. name@gmail.com)", ""
        if self.type == "url":
            match = _URL.fullmatch(value)
            if not match:
                return "must be an absolute http(s) URL", ""
            if self.https_only and match["scheme"].lower() != "https":
                return "must be an https URL", ""
        if self.values and value not in self.values:
            return f"must be one of {', '.join(self.values)}", ""
        if self.max_length is not None and len(value) > self.max_length:
            return f"must be at most {self.max_length} characters", f" ({len(value)} characters)"
        if self.min_length is not None and len(value) < self.min_length:
            return f"must be at least {self.min_length} characters", f" ({len(value)} characters)"
        if self.pattern is not None and not self.pattern.fullmatch(value):
            unit = "digits" if value.isdigit() else "characters"
            return f"must be {self.rule}", f" ({len(value)} {unit})"
        return None

    def _amount_violation(self, value: str) -> tuple[str, str] | None:
        whole = "a whole number" if self.decimals == 0 else "a number"
        example = "100" if self.decimals == 0 else "100.50"
        if not _AMOUNT_TEXT.fullmatch(value):
            return f'must be {whole} written in digits (e.g. "{example}")', ""
        try:
            amount = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern above rules it out
            return f"must be {whole}", ""
        if self.decimals == 0 and amount != amount.to_integral_value():
            return "must be a whole number (no fractional part)", ""
        if self.decimals > 0 and amount != round(amount, self.decimals):
            return f"must have at most {self.decimals} decimal places", ""
        if self.min is not None and amount < self.min:
            return f"must be at least {plain(self.min)}", ""
        if amount <= 0:
            return "must be greater than 0", ""
        if self.max is not None and amount > self.max:
            return f"must be at most {plain(self.max)}", ""
        return None


@dataclass(frozen=True, slots=True)
class Condition:
    """When a conditional rule applies: one field's value equals, is among, or compares."""

    field: str
    values: tuple[str, ...] = ()
    above: Decimal | None = None
    below: Decimal | None = None
    present: bool = False

    def holds(self, body: Body) -> bool:
        value = body.get(self.field)
        if self.present:
            return value is not None and value != ""
        if self.values:
            return isinstance(value, str) and value in self.values
        number = as_decimal(value)
        if number is None:  # a broken amount has its own message; no condition on it
            return False
        if self.above is not None:
            return number > self.above
        return self.below is not None and number < self.below

    def describe(self, body: Body) -> str:
        """The condition for a message, with the value that made it hold."""
        if self.present:
            return f" when {self.field} is given"
        if len(self.values) == 1:
            return f" when {self.field} is {quote(self.values[0])}"
        value = body.get(self.field)
        shown = quote(value) if isinstance(value, str) else "?"
        if self.values:
            return f" when {self.field} is one of {', '.join(self.values)} (it is {shown})"
        if self.above is not None:
            return f" when {self.field} is above {plain(self.above)} (it is {shown})"
        assert self.below is not None
        return f" when {self.field} is below {plain(self.below)} (it is {shown})"


def _timestamp_violation(value: str) -> tuple[str, str] | None:
    if _MILLIS_TEXT.fullmatch(value):
        return None
    if _SECONDS_TEXT.fullmatch(value):
        return _TIMESTAMP_RULE, " (10 digits: that is epoch seconds; send milliseconds, 13 digits)"
    if value.isdigit():
        return _TIMESTAMP_RULE, f" ({len(value)} digits; epoch milliseconds have 13)"
    return _TIMESTAMP_RULE, ""


def as_decimal(value: object) -> Decimal | None:
    """A body value as a number, or None when it is not one (conditions compare amounts)."""
    if not isinstance(value, str) or not _AMOUNT_TEXT.fullmatch(value):
        return None
    return Decimal(value)


def _json(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else repr(value)


def quote(value: str) -> str:
    """A received value as a JSON-style quoted string, shortened if huge."""
    shown = value if len(value) <= 64 else value[:61] + "..."
    escaped = shown.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def plain(amount: Decimal) -> str:
    return format(amount.normalize(), "f")
