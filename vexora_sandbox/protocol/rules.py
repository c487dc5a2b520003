"""Field rules per area and endpoint, loaded from data files (``areas/*.yaml``).

Each area file names the docs page it follows and lists, per endpoint, the fields and their
rules. ``_common.yaml`` holds the endpoints whose fields are the same everywhere (the
queries, the balance) and the fields every body has; an area file overrides an endpoint by
naming it. Adding an area is adding a file. ``docs/areas.md`` documents the format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from vexora_sandbox.errors import ConfigError, ConfigProblem
from vexora_sandbox.protocol.jsonbody import Body, JsonNumber, describe_json_type
from vexora_sandbox.yamlfile import YamlDoc, load_yaml

FieldType = Literal["string", "amount", "email", "url", "timestamp"]
Validation = Literal["strict", "lenient"]

_TYPES: tuple[str, ...] = ("string", "amount", "email", "url", "timestamp")
_AMOUNT_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_TIMESTAMP_TEXT = re.compile(r"[0-9]{10,16}")
# Deliberately plain: one @, a dot in the domain, no spaces. What a payment page accepts.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_URL = re.compile(r"(?P<scheme>https?)://[^\s/?#]+[^\s]*", re.IGNORECASE)

_FIELD_KEYS = {
    "required",
    "type",
    "pattern",
    "rule",
    "min_length",
    "max_length",
    "values",
    "decimals",
    "min",
    "max",
    "https_only",
    "example",
}
_ENDPOINT_KEYS = {"fields", "account_field", "docs"}
_AREA_KEYS = {"area", "title", "docs", "currency", "locale", "endpoints"}


@dataclass(frozen=True, slots=True)
class FieldRule:
    """The rule for one field of one endpoint."""

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

    def check(self, body: Body, validation: Validation) -> str | None:
        """The error message for this field of ``body``, or None when it passes."""
        if self.name not in body:
            return f"{self.name} is required but missing" if self.required else None
        value = body[self.name]
        if value is None or value == "":
            if self.required:
                return f"{self.name} is required but {'null' if value is None else 'empty'}"
            return None
        type_error = self._check_type(value)
        if type_error or validation == "lenient":
            return type_error
        assert isinstance(value, str)
        return self._check_value(value)

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

    def _check_value(self, value: str) -> str | None:
        violation = self._violation(value)
        if violation is None:
            return None
        # The received value is quoted only on the error path: valid calls are the hot path.
        must, detail = violation
        return f"{self.name} {must}; got {_quote(value)}{detail}"

    def _violation(self, value: str) -> tuple[str, str] | None:
        """What the value must be (and a detail after it), or None when it passes."""
        if self.type == "amount":
            return self._amount_violation(value)
        if self.type == "timestamp":
            if not _TIMESTAMP_TEXT.fullmatch(value):
                return "must be epoch milliseconds (e.g. 1719876543210)", ""
            return None
        if self.type == "email" and not _EMAIL.fullmatch(value):
            return "must be an email address (e.g. name@example.com)", ""
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
            return f"must be at least {_plain(self.min)}", ""
        if amount <= 0:
            return "must be greater than 0", ""
        if self.max is not None and amount > self.max:
            return f"must be at most {_plain(self.max)}", ""
        return None


@dataclass(frozen=True, slots=True)
class EndpointRules:
    """The fields of one endpoint in one area, in the order their errors are reported."""

    endpoint: str
    fields: tuple[FieldRule, ...]
    account_field: str | None = None
    docs: str = ""

    def errors(self, body: Body, validation: Validation) -> list[str]:
        """Every field error of ``body``, in field order; empty when it is valid."""
        found = []
        for rule in self.fields:
            error = rule.check(body, validation)
            if error:
                found.append(error)
        return found

    def field(self, name: str) -> FieldRule | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True, slots=True)
class Area:
    """One area's rules: ``default`` is the generic payout page's field set."""

    name: str
    title: str
    docs: str
    currency: str
    locale: str
    endpoints: Mapping[str, EndpointRules] = field(default_factory=dict)

    def rules_for(self, endpoint: str) -> EndpointRules | None:
        return self.endpoints.get(endpoint)


def _json(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else repr(value)


def _quote(value: str) -> str:
    """A received value as a JSON-style quoted string, shortened if huge."""
    shown = value if len(value) <= 64 else value[:61] + "..."
    escaped = shown.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _plain(amount: Decimal) -> str:
    return format(amount.normalize(), "f")


# --- loading ---------------------------------------------------------------------------

AREAS_PACKAGE = "vexora_sandbox.protocol.areas"
COMMON = "_common"


class _Reader:
    """Collects every problem of one file instead of stopping at the first."""

    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc
        self.problems: list[ConfigProblem] = []

    def problem(self, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append(
            ConfigProblem(self.doc.source, message, self.doc.line_of(path), _dotted(path))
        )

    def keys(self, value: object, path: tuple[str | int, ...], allowed: set[str]) -> bool:
        if not isinstance(value, dict):
            self.problem(path, f"must be a mapping; got {type(value).__name__}")
            return False
        for key in value:
            if key not in allowed:
                self.problem(
                    (*path, str(key)),
                    f"unknown key {key!r}; expected one of {', '.join(sorted(allowed))}",
                )
        return True


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path)


def _field_rule(reader: _Reader, name: str, spec: Any, path: tuple[str | int, ...]) -> FieldRule:
    if spec is None:
        spec = {}
    if not reader.keys(spec, path, _FIELD_KEYS):
        return FieldRule(name)
    kwargs: dict[str, Any] = {"name": name}
    for key, value in spec.items():
        where = (*path, key)
        if key in ("required", "https_only"):
            if not isinstance(value, bool):
                reader.problem(where, f"must be true or false; got {value!r}")
                continue
            kwargs[key] = value
        elif key == "type":
            if value not in _TYPES:
                reader.problem(where, f"must be one of {', '.join(_TYPES)}; got {value!r}")
                continue
            kwargs[key] = value
        elif key == "pattern":
            try:
                kwargs[key] = re.compile(str(value))
            except re.error as exc:
                reader.problem(where, f"is not a valid regular expression: {exc}")
        elif key in ("rule", "example"):
            kwargs[key] = str(value)
        elif key in ("min_length", "max_length", "decimals"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                reader.problem(where, f"must be a whole number >= 0; got {value!r}")
                continue
            kwargs[key] = value
        elif key in ("min", "max"):
            try:
                kwargs[key] = Decimal(str(value))
            except InvalidOperation:
                reader.problem(where, f"must be a number; got {value!r}")
        elif key == "values":
            if not isinstance(value, list) or not value:
                reader.problem(where, "must be a non-empty list")
                continue
            kwargs[key] = tuple(str(v) for v in value)
    if "pattern" in kwargs and "rule" not in kwargs:
        reader.problem(path, "a field with a pattern needs a 'rule' that says it in words")
    return FieldRule(**kwargs)


def _endpoint(
    reader: _Reader,
    name: str,
    spec: Any,
    path: tuple[str | int, ...],
    common: tuple[FieldRule, ...],
) -> EndpointRules:
    if not reader.keys(spec, path, _ENDPOINT_KEYS):
        return EndpointRules(name, common)
    fields_spec = spec.get("fields") or {}
    fields: list[FieldRule] = []
    if not isinstance(fields_spec, dict):
        reader.problem((*path, "fields"), "must be a mapping of field name to rule")
    else:
        fields = [
            _field_rule(reader, str(fname), fspec, (*path, "fields", str(fname)))
            for fname, fspec in fields_spec.items()
        ]
    names = {f.name for f in fields}
    merged = tuple(fields) + tuple(f for f in common if f.name not in names)
    account = spec.get("account_field")
    if account is not None and account not in {f.name for f in merged}:
        reader.problem((*path, "account_field"), f"names no field of this endpoint: {account!r}")
    return EndpointRules(name, merged, account, str(spec.get("docs", "")))


def _area(doc: YamlDoc, name: str, base: Area | None) -> tuple[Area, list[ConfigProblem]]:
    reader = _Reader(doc)
    data = doc.data
    if not reader.keys(data, (), _AREA_KEYS):
        return Area(name, name, "", "", "en_US"), reader.problems
    assert isinstance(data, dict)
    if data.get("area", name) != name:
        reader.problem(("area",), f"must match the file name {name!r}; got {data['area']!r}")
    common_fields: tuple[FieldRule, ...] = ()
    endpoints: dict[str, EndpointRules] = {}
    if base is not None:
        endpoints.update(base.endpoints)
        every = base.endpoints.get("*")
        common_fields = every.fields if every else ()
    raw_endpoints = data.get("endpoints") or {}
    if not isinstance(raw_endpoints, dict):
        reader.problem(("endpoints",), "must be a mapping of endpoint name to its fields")
        raw_endpoints = {}
    for ep_name, ep_spec in raw_endpoints.items():
        endpoints[str(ep_name)] = _endpoint(
            reader, str(ep_name), ep_spec, ("endpoints", str(ep_name)), common_fields
        )
    area = Area(
        name=name,
        title=str(data.get("title", name)),
        docs=str(data.get("docs", "")),
        currency=str(data.get("currency", "")),
        locale=str(data.get("locale", "en_US")),
        endpoints=endpoints,
    )
    return area, reader.problems


def _area_sources(extra_dirs: Iterable[Path]) -> dict[str, tuple[str, str]]:
    """Area name -> (source name, text); files in ``extra_dirs`` override shipped ones."""
    sources: dict[str, tuple[str, str]] = {}
    for entry in sorted(resources.files(AREAS_PACKAGE).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            sources[entry.name[:-5]] = (f"areas/{entry.name}", entry.read_text("utf-8"))
    for directory in extra_dirs:
        for path in sorted(Path(directory).glob("*.yaml")):
            sources[path.stem] = (str(path), path.read_text("utf-8"))
    return sources


def load_areas(extra_dirs: Iterable[Path] = ()) -> dict[str, Area]:
    """Every area, with ``_common`` merged in; raises ConfigError listing every problem."""
    sources = _area_sources(extra_dirs)
    problems: list[ConfigProblem] = []
    if COMMON not in sources:
        raise ConfigError.single("areas", f"{COMMON}.yaml is missing")
    common_doc = load_yaml(*reversed(sources.pop(COMMON)))
    common, found = _area(common_doc, COMMON, None)
    problems += found
    areas: dict[str, Area] = {}
    for name, (source, text) in sources.items():
        try:
            doc = load_yaml(text, source)
        except ConfigError as exc:
            problems += exc.problems
            continue
        area, found = _area(doc, name, common)
        problems += found
        areas[name] = area
    if problems:
        raise ConfigError(problems)
    return areas
