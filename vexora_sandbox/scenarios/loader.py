"""Strict scenario loading: every problem is reported with its file, line and key path.

The format is defined once in format.py (keys, JSON Schema, the guide's tables).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast

import yaml

from vexora_sandbox.errors import ConfigError, ConfigProblem
from vexora_sandbox.protocol.names import ORDER_ENDPOINTS, Code, Endpoint
from vexora_sandbox.scenarios import format as fmt
from vexora_sandbox.scenarios.model import (
    FAULTS,
    SIGN_MODES,
    CallbackSpec,
    Condition,
    Fault,
    Match,
    ResponseSpec,
    Scenario,
    SignMode,
)
from vexora_sandbox.yamlfile import Reader, YamlDoc, kind, load_yaml

ENDPOINTS: tuple[str, ...] = tuple(Endpoint)
CODES: tuple[str, ...] = tuple(Code)
SCENARIO_KEYS = fmt.names(fmt.SCENARIO)
MATCH_KEYS = fmt.names(fmt.MATCH)
CONDITION_KEYS = fmt.names(fmt.CONDITION)
RESPONSE_KEYS = fmt.names(fmt.RESPONSE)
CALLBACK_KEYS = fmt.names(fmt.CALLBACK)
_DURATION = re.compile(fmt.DURATION_PATTERN)
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
# What gte/lte accept written as a string.
_NUMBER = re.compile(fmt.NUMBER_PATTERN)

Path_ = tuple[str | int, ...]


def parse_duration(raw: Any) -> float:
    """``"3s"``, ``"500ms"``, ``"2m"``, ``"1h"`` or a number of seconds; ValueError otherwise."""
    if isinstance(raw, bool):
        raise ValueError(f"must be a duration like 3s, 500ms, 2m or 1h; got {raw!r}")
    if isinstance(raw, int | float):
        if not math.isfinite(raw):
            raise ValueError(f"must be a finite number of seconds; got {raw!r}")
        if raw < 0:
            raise ValueError(f"must not be negative; got {raw!r}")
        return float(raw)
    match = _DURATION.fullmatch(str(raw).strip())
    if not match:
        raise ValueError(f"must be a duration like 3s, 500ms, 2m or 1h; got {raw!r}")
    return float(match["n"]) * _UNITS[match["unit"]]


class _Reader(Reader):
    def text(self, value: Any, path: Path_, *, code_like: bool = False) -> str | None:
        if isinstance(value, str):
            return value
        if code_like and isinstance(value, int) and not isinstance(value, bool):
            self.problem(
                path,
                f'must be a quoted string such as "0015"; YAML read the unquoted '
                f"value as the number {value}",
            )
            return None
        self.problem(path, f"must be a string; got {kind(value)}")
        return None

    def texts(self, value: Any, path: Path_, allowed: tuple[str, ...] = ()) -> tuple[str, ...]:
        if value == []:
            # Not "no restriction": an empty list would silently mean every value.
            self.problem(path, "must be a string or a non-empty list of strings; got an empty list")
            return ()
        items = value if isinstance(value, list) else [value]
        result = []
        for index, item in enumerate(items):
            where = (*path, index) if isinstance(value, list) else path
            text = self.text(item, where, code_like=True)
            if text is None:
                continue
            if allowed and text not in allowed:
                self.problem(where, f"must be one of {', '.join(allowed)}; got {text!r}")
                continue
            result.append(text)
        return tuple(result)

    def literal(self, value: Any, path: Path_) -> str:
        """A scalar as the file wrote it: conditions and amounts compare text, and YAML
        would read ``0012`` as the number 10 and ``100.50`` as 100.5."""
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"  # as a JSON boolean in a body is matched
        node = self.doc.node_at(path)
        return str(node.value) if isinstance(node, yaml.ScalarNode) else str(value)

    def duration(self, value: Any, path: Path_) -> float:
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.problem(path, str(exc))
            return 0.0


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _conditions(reader: _Reader, value: Any, path: Path_) -> tuple[Condition, ...]:
    if not isinstance(value, dict):
        if not _scalar(value):
            reader.problem(path, f"must be a value or a mapping of conditions; got {kind(value)}")
            return ()
        return (Condition("equals", reader.literal(value, path)),)
    before = len(reader.problems)
    spec = reader.mapping(value, path, CONDITION_KEYS) or {}
    found: list[Condition] = []
    for op, raw in spec.items():
        where = (*path, op)
        if op == "in":
            if not isinstance(raw, list) or not raw:
                reader.problem(where, f"must be a non-empty list; got {kind(raw)}")
                continue
            items = []
            for i, item in enumerate(raw):
                if _scalar(item):
                    items.append(reader.literal(item, (*where, i)))
                else:
                    reader.problem((*where, i), f"must be a single value; got {kind(item)}")
            found.append(Condition("in", tuple(items)))
        elif op == "regex":
            if not isinstance(raw, str):
                reader.problem(where, f"must be a regular expression as a string; got {kind(raw)}")
                continue
            try:
                found.append(Condition("regex", re.compile(raw)))
            except re.error as exc:
                reader.problem(where, f"is not a valid regular expression: {exc}")
        elif op in ("gte", "lte"):
            number = _decimal(raw)
            if number is None:
                reader.problem(where, f"must be a number; got {kind(raw)}")
                continue
            found.append(Condition(op, number))
        elif op == "exists":
            if not isinstance(raw, bool):
                reader.problem(where, f"must be true or false; got {kind(raw)}")
                continue
            found.append(Condition("exists", "1" if raw else ""))
        elif op in CONDITION_KEYS:
            if not _scalar(raw):
                reader.problem(where, f"must be a single value; got {kind(raw)}")
                continue
            found.append(Condition(op, reader.literal(raw, where)))
    if not found and len(reader.problems) == before:
        reader.problem(path, "needs at least one condition: " + ", ".join(CONDITION_KEYS))
    return tuple(found)


def _decimal(raw: Any) -> Decimal | None:
    """A finite number, or a string holding one; None otherwise."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None
    if isinstance(raw, str) and not _NUMBER.fullmatch(raw.strip()):
        return None
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _match(reader: _Reader, value: Any, path: Path_) -> Match:
    if value is None:
        return Match()
    spec = reader.mapping(value, path, MATCH_KEYS)
    if spec is None:
        return Match()
    endpoints: tuple[str, ...] = tuple(ORDER_ENDPOINTS)
    if "endpoint" in spec:
        endpoints = reader.texts(spec["endpoint"], (*path, "endpoint"), ENDPOINTS) or endpoints
    body: list[tuple[str, tuple[Condition, ...]]] = []
    raw_body = spec.get("body")
    if raw_body is not None:
        if isinstance(raw_body, dict):
            for name, cond in raw_body.items():
                body.append((str(name), _conditions(reader, cond, (*path, "body", str(name)))))
        else:
            reader.problem(
                (*path, "body"), f"must be a mapping of field to condition; got {kind(raw_body)}"
            )
    return Match(
        endpoints=endpoints,
        merchant_nos=reader.texts(spec["merchantNo"], (*path, "merchantNo"))
        if "merchantNo" in spec
        else (),
        areas=reader.texts(spec["area"], (*path, "area")) if "area" in spec else (),
        account=_conditions(reader, spec["account"], (*path, "account"))
        if "account" in spec
        else (),
        body=tuple(body),
    )


def _response(reader: _Reader, value: Any, path: Path_) -> ResponseSpec:
    if value is None:
        return ResponseSpec()
    spec = reader.mapping(value, path, RESPONSE_KEYS)
    if spec is None:
        return ResponseSpec()
    kwargs: dict[str, Any] = {}
    if "code" in spec:
        code = reader.text(spec["code"], (*path, "code"), code_like=True)
        if code is not None and code not in CODES:
            reader.problem((*path, "code"), f"must be one of {', '.join(CODES)}; got {code!r}")
        elif code is not None:
            kwargs["code"] = code
    for key in ("msg", "message"):
        if key in spec and spec[key] is not None:
            text = reader.text(spec[key], (*path, key))
            if text is not None:
                kwargs[key] = text
    if "status" in spec:
        status = reader.text(spec["status"], (*path, "status"), code_like=True)
        if status is not None:
            kwargs["status"] = status
    if "delay" in spec:
        kwargs["delay"] = reader.duration(spec["delay"], (*path, "delay"))
    if spec.get("fault") is not None:
        fault = spec["fault"]
        if fault not in FAULTS:
            reader.problem(
                (*path, "fault"), f"must be one of {', '.join(FAULTS)} or null; got {fault!r}"
            )
        else:
            kwargs["fault"] = cast(Fault, fault)
    return ResponseSpec(**kwargs)


def _callback(reader: _Reader, value: Any, path: Path_) -> CallbackSpec | None:
    spec = reader.mapping(value, path, CALLBACK_KEYS)
    if spec is None:
        return None
    for required in ("after", "status"):
        if required not in spec:
            reader.problem(path, f"a callback needs {required!r}")
    if "after" not in spec or "status" not in spec:
        return None
    status = reader.text(spec["status"], (*path, "status"), code_like=True)
    kwargs: dict[str, Any] = {
        "after": reader.duration(spec["after"], (*path, "after")),
        "status": status or "",
    }
    if spec.get("message") is not None:
        kwargs["message"] = reader.text(spec["message"], (*path, "message"))
    if spec.get("amount") is not None:
        raw = spec["amount"]
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            reader.problem((*path, "amount"), f"must be an amount; got {kind(raw)}")
        else:
            kwargs["amount"] = reader.literal(raw, (*path, "amount"))
    if "sign" in spec:
        if spec["sign"] not in SIGN_MODES:
            reader.problem(
                (*path, "sign"), f"must be one of {', '.join(SIGN_MODES)}; got {spec['sign']!r}"
            )
        else:
            kwargs["sign"] = cast(SignMode, spec["sign"])
    if "repeat" in spec:
        repeat = spec["repeat"]
        if (
            isinstance(repeat, bool)
            or not isinstance(repeat, int)
            or not 1 <= repeat <= fmt.MAX_REPEAT
        ):
            reader.problem(
                (*path, "repeat"),
                f"must be a whole number from 1 to {fmt.MAX_REPEAT}; got {kind(repeat)}",
            )
        else:
            kwargs["repeat"] = repeat
    return CallbackSpec(**kwargs)


def _scenario(reader: _Reader, value: Any, index: int) -> Scenario | None:
    path: Path_ = (index,)
    spec = reader.mapping(value, path, SCENARIO_KEYS)
    if spec is None:
        return None
    name = spec.get("name")
    if name is None:
        reader.problem(path, "a scenario needs a 'name'")
        name = ""
    elif not isinstance(name, str) or not name:
        reader.problem((*path, "name"), f"must be a non-empty string; got {kind(name)}")
        name = ""
    priority = spec.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int):
        reader.problem((*path, "priority"), f"must be a whole number; got {kind(priority)}")
        priority = 0
    callbacks: list[CallbackSpec] = []
    raw_callbacks = spec.get("callbacks")
    if raw_callbacks is not None:
        if not isinstance(raw_callbacks, list):
            reader.problem((*path, "callbacks"), f"must be a list; got {kind(raw_callbacks)}")
        else:
            for i, item in enumerate(raw_callbacks):
                callback = _callback(reader, item, (*path, "callbacks", i))
                if callback is not None:
                    callbacks.append(callback)
    description = spec.get("description", "")
    if not isinstance(description, str):
        reader.problem((*path, "description"), f"must be a string; got {kind(description)}")
        description = ""
    return Scenario(
        name=name,
        description=description.strip(),
        match=_match(reader, spec.get("match"), (*path, "match")),
        response=_response(reader, spec.get("response"), (*path, "response")),
        callbacks=tuple(callbacks),
        priority=priority,
        source=reader.doc.source,
        line=reader.doc.line_of(path),
    )


def parse_scenarios(text: str, source: str) -> list[Scenario]:
    """The scenarios of one file's text; ConfigError listing every problem."""
    scenarios, problems = _parse(text, source)
    if problems:
        raise ConfigError(problems)
    return scenarios


def _parse(text: str, source: str) -> tuple[list[Scenario], list[ConfigProblem]]:
    """The scenarios read (even from a file with problems, for the duplicate-name check;
    an invalid name is left empty) and the problems found."""
    try:
        doc = load_yaml(text, source)
    except ConfigError as exc:
        return [], exc.problems
    return read_document(doc)


def read_document(
    doc: YamlDoc, what: str = "a scenario file"
) -> tuple[list[Scenario], list[ConfigProblem]]:
    """The scenarios of a parsed document (a list of them) and the problems found."""
    reader = _Reader(doc)
    scenarios: list[Scenario] = []
    if doc.data is None:
        return scenarios, []
    if not isinstance(doc.data, list):
        reader.problem((), f"{what} must be a list of scenarios; got {kind(doc.data)}")
    else:
        for index, item in enumerate(doc.data):
            scenario = _scenario(reader, item, index)
            if scenario is not None:
                scenarios.append(scenario)
    return scenarios, reader.problems


def scenario_files(path: Path) -> list[Path]:
    """The YAML files of a scenario path: the file itself, or a directory's, sorted."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


@dataclass(frozen=True)
class ScenarioSet:
    """Scenarios in matching order (priority, then file order) and where they came from."""

    scenarios: tuple[Scenario, ...]
    files: tuple[str, ...]


def load_scenarios(path: str | Path) -> ScenarioSet:
    """Every scenario under ``path``; ConfigError listing every problem in every file."""
    root = Path(path)
    if not root.exists():
        raise ConfigError.single(str(root), "no such file or directory")
    problems: list[ConfigProblem] = []
    loaded: list[Scenario] = []
    files = scenario_files(root)
    for file in files:
        try:
            text = file.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(ConfigProblem(str(file), f"cannot read the file: {exc}"))
            continue
        scenarios, found = _parse(text, str(file))
        loaded.extend(scenarios)
        problems.extend(found)
    seen: dict[str, Scenario] = {}
    for scenario in loaded:
        if not scenario.name:
            continue  # its missing or invalid name is a problem already
        first = seen.setdefault(scenario.name, scenario)
        if first is not scenario:
            problems.append(
                ConfigProblem(
                    scenario.source,
                    f"scenario name {scenario.name!r} is used twice (first at "
                    f"{first.source}:{first.line})",
                    scenario.line,
                    "name",
                )
            )
    if problems:
        # In file and line order, whichever check found them (check, serve and reload agree).
        order = {str(f): i for i, f in enumerate(files)}
        problems.sort(key=lambda p: (order.get(p.source, 0), p.line or 0))
        raise ConfigError(problems)
    ordered = sorted(loaded, key=lambda s: -s.priority)  # stable: file order within a priority
    return ScenarioSet(tuple(ordered), tuple(str(f) for f in files))
