"""Field rules per area and endpoint, loaded from data files (``areas/*.yaml``).

Each area file names the docs page it follows and lists, per endpoint, the fields and their
rules, and the conditional rules that tie one field to another (``conditions``: "when
idType is DNI, idCardNumber is 7 or 8 digits"). ``_common.yaml`` holds the endpoints whose
fields are the same everywhere (the queries, the balance) and the fields every body has; an
area file overrides an endpoint by naming it. Adding an area is adding a file.
``docs/areas.md`` documents the format; ``fields.py`` holds the single-field checks.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from vexora_sandbox.errors import ConfigError, ConfigProblem
from vexora_sandbox.protocol.fields import TYPES as _TYPES
from vexora_sandbox.protocol.fields import Condition as Condition
from vexora_sandbox.protocol.fields import FieldRule as FieldRule
from vexora_sandbox.protocol.fields import FieldType as FieldType
from vexora_sandbox.protocol.fields import Validation as Validation
from vexora_sandbox.protocol.jsonbody import Body
from vexora_sandbox.yamlfile import Reader, YamlDoc, load_yaml

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
# A conditional rule adds to the field's own rule; an example belongs to the field.
_CONDITIONAL_FIELD_KEYS = _FIELD_KEYS - {"example"}
_ENDPOINT_KEYS = {"fields", "account_field", "docs", "conditions"}
_CONDITION_KEYS = {"when", "fields"}
_WHEN_KEYS = {"field", "equals", "one_of", "above", "below", "present"}
_AREA_KEYS = {"area", "title", "docs", "currency", "locale", "aliases", "endpoints"}
_ALIAS = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True, slots=True)
class EndpointRules:
    """The fields of one endpoint in one area, in the order their errors are reported.

    ``conditional`` maps a field to the (condition, rule) pairs that add to its own rule;
    a field reports one message at most: its own rule's, else the first conditional one's.
    """

    endpoint: str
    fields: tuple[FieldRule, ...]
    account_field: str | None = None
    docs: str = ""
    conditional: Mapping[str, tuple[tuple[Condition, FieldRule], ...]] = field(default_factory=dict)

    def errors(self, body: Body, validation: Validation) -> list[str]:
        """Every field error of ``body``, in field order; empty when it is valid."""
        found = []
        for rule in self.fields:
            error = rule.check(body, validation)
            if error is None and self.conditional:
                error = self._conditional_error(rule.name, body, validation)
            if error:
                found.append(error)
        return found

    def _conditional_error(self, name: str, body: Body, validation: Validation) -> str | None:
        for condition, rule in self.conditional.get(name, ()):
            # The condition is described only on the error path: valid calls are the hot path.
            if condition.holds(body) and rule.check(body, validation) is not None:
                return rule.check(body, validation, condition.describe(body))
        return None

    def field(self, name: str) -> FieldRule | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True, slots=True)
class Area:
    """One area's rules; ``name`` is its URL prefix (an alias gets a copy under its name)."""

    name: str
    title: str
    docs: str
    currency: str
    locale: str
    endpoints: Mapping[str, EndpointRules] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    def rules_for(self, endpoint: str) -> EndpointRules | None:
        return self.endpoints.get(endpoint)


# --- loading ---------------------------------------------------------------------------

AREAS_PACKAGE = "vexora_sandbox.protocol.areas"
COMMON = "_common"


def _field_rule(
    reader: Reader,
    name: str,
    spec: Any,
    path: tuple[str | int, ...],
    allowed: set[str] = _FIELD_KEYS,
) -> FieldRule:
    if spec is None:
        spec = {}
    if reader.mapping(spec, path, sorted(allowed)) is None:
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
    reader: Reader,
    name: str,
    spec: Any,
    path: tuple[str | int, ...],
    common: tuple[FieldRule, ...],
) -> EndpointRules:
    if reader.mapping(spec, path, sorted(_ENDPOINT_KEYS)) is None:
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
    conditional = _conditions(reader, spec.get("conditions"), (*path, "conditions"), merged)
    return EndpointRules(name, merged, account, str(spec.get("docs", "")), conditional)


def _conditions(
    reader: Reader, spec: Any, path: tuple[str | int, ...], fields: tuple[FieldRule, ...]
) -> dict[str, tuple[tuple[Condition, FieldRule], ...]]:
    """The ``conditions`` list of an endpoint, per field, in the order the file gives them."""
    found: dict[str, list[tuple[Condition, FieldRule]]] = {}
    if spec is None:
        return {}
    if not isinstance(spec, list):
        reader.problem(path, "must be a list of {when: ..., fields: ...}")
        return {}
    known = {f.name: f for f in fields}
    for index, item in enumerate(spec):
        where = (*path, index)
        if reader.mapping(item, where, sorted(_CONDITION_KEYS)) is None:
            continue
        condition = _condition(reader, item.get("when"), (*where, "when"), known)
        then = item.get("fields")
        if not isinstance(then, dict) or not then:
            reader.problem((*where, "fields"), "must be a mapping of field name to rule")
            continue
        for fname, fspec in then.items():
            fpath = (*where, "fields", str(fname))
            base = known.get(str(fname))
            if base is None:
                reader.problem(fpath, "names no field of this endpoint (list it under fields)")
                continue
            rule = _field_rule(reader, str(fname), fspec, fpath, _CONDITIONAL_FIELD_KEYS)
            if not (isinstance(fspec, dict) and "type" in fspec):
                rule = dataclasses.replace(rule, type=base.type)
            if condition is not None:
                found.setdefault(str(fname), []).append((condition, rule))
    return {name: tuple(pairs) for name, pairs in found.items()}


def _condition(
    reader: Reader, spec: Any, path: tuple[str | int, ...], known: Mapping[str, FieldRule]
) -> Condition | None:
    if spec is None:
        reader.problem(path, "is missing: say which field's value the rules depend on")
        return None
    if reader.mapping(spec, path, sorted(_WHEN_KEYS)) is None:
        return None
    name = spec.get("field")
    if name not in known:
        reader.problem((*path, "field"), f"names no field of this endpoint: {name!r}")
        return None
    tests = [key for key in ("equals", "one_of", "above", "below", "present") if key in spec]
    if len(tests) != 1:
        reader.problem(path, "needs exactly one of equals, one_of, above, below, present")
        return None
    [test] = tests
    value = spec[test]
    if test == "present":
        if value is not True:
            reader.problem((*path, test), f"must be true; got {value!r}")
            return None
        return Condition(str(name), present=True)
    if test == "equals":
        return Condition(str(name), values=(str(value),))
    if test == "one_of":
        if not isinstance(value, list) or not value:
            reader.problem((*path, test), "must be a non-empty list")
            return None
        return Condition(str(name), values=tuple(str(v) for v in value))
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        reader.problem((*path, test), f"must be a number; got {value!r}")
        return None
    if test == "above":
        return Condition(str(name), above=number)
    return Condition(str(name), below=number)


def _area(doc: YamlDoc, name: str, base: Area | None) -> tuple[Area, list[ConfigProblem]]:
    reader = Reader(doc)
    data = doc.data
    if reader.mapping(data, (), sorted(_AREA_KEYS)) is None:
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
        aliases=_aliases(reader, data.get("aliases")),
    )
    return area, reader.problems


def _aliases(reader: Reader, spec: Any) -> tuple[str, ...]:
    if spec is None:
        return ()
    if not isinstance(spec, list) or not all(
        isinstance(a, str) and _ALIAS.fullmatch(a) for a in spec
    ):
        reader.problem(("aliases",), f"must be a list of area names (a-z, 0-9, -); got {spec!r}")
        return ()
    return tuple(spec)


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
    for area in list(areas.values()):
        for alias in area.aliases:
            # A file of the alias's name wins: a local default.yaml replaces the alias.
            if alias not in sources:
                areas[alias] = dataclasses.replace(area, name=alias, aliases=())
    if problems:
        raise ConfigError(problems)
    return areas
