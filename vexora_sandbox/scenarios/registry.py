"""The scenario set in force: the files, reloadable without a restart, and the runtime layer.

An invalid change keeps the previous set serving; the error is kept for
``GET /_sandbox/scenarios`` and logged. Runtime scenarios (``POST /_sandbox/scenarios``)
are matched first: a merchant's own, then the global ones, then the files'.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import yaml

from vexora_sandbox.errors import ConfigError, ConfigProblem
from vexora_sandbox.protocol.jsonbody import Scalar
from vexora_sandbox.scenarios.loader import (
    ScenarioSet,
    load_scenarios,
    read_document,
    scenario_files,
)
from vexora_sandbox.scenarios.matcher import Matcher
from vexora_sandbox.scenarios.model import Scenario
from vexora_sandbox.yamlfile import YamlDoc, load_yaml

log = logging.getLogger("vexora_sandbox.scenarios")

POSTED = "the posted scenario"
# A bound on what a test suite can pile up in one scope (a merchant, or global): matching
# walks a scope's scenarios on every call.
MAX_RUNTIME_SCENARIOS = 1000
# What a runtime Matcher answers when none of its scenarios matches: the next layer decides.
_NO_MATCH = Scenario(name="(no runtime match)")


def parse_posted(text: str, source: str = POSTED) -> list[Scenario]:
    """The scenarios of a posted YAML or JSON text: one scenario (a mapping) or a list.

    The same format and checks as a file's, with lines counted in the posted text;
    ConfigError listing every problem.
    """
    doc = load_yaml(text, source)
    if isinstance(doc.data, dict) and doc.node is not None:
        # One scenario: read as a list of one, its nodes (and so its lines) unchanged.
        node = doc.node
        wrapped = yaml.SequenceNode("tag:yaml.org,2002:seq", [node], node.start_mark, node.end_mark)
        doc = YamlDoc(doc.source, [doc.data], wrapped)
    scenarios, problems = read_document(doc, "a posted scenario document")
    if not scenarios and not problems:
        problems.append(ConfigProblem(source, "no scenario: the body is empty"))
    seen: dict[str, Scenario] = {}
    for scenario in scenarios:
        first = seen.setdefault(scenario.name, scenario)
        if scenario.name and first is not scenario:
            problems.append(
                ConfigProblem(
                    source,
                    f"scenario name {scenario.name!r} is used twice (first at line {first.line})",
                    scenario.line,
                    "name",
                )
            )
    if problems:
        raise ConfigError(problems)
    return scenarios


def shipped_scenarios() -> Path:
    """The shipped scenarios: package data in a wheel, the repository's scenarios/ otherwise."""
    package = Path(__file__).resolve().parent.parent
    bundled = package / "_scenarios"
    return bundled if bundled.is_dir() else package.parent / "scenarios"


class ScenarioRegistry:
    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path else shipped_scenarios()
        self.current: ScenarioSet = load_scenarios(self.path)
        self._matcher = Matcher(self.current.scenarios)
        self.last_error: ConfigError | None = None
        self.generation = 1
        self._stamps = self._snapshot()
        # Runtime scenarios per scope (a merchantNo, or None: every merchant), in posting
        # order, and each scope's Matcher (only scopes that have scenarios).
        self._runtime: dict[str | None, list[Scenario]] = {}
        self._runtime_matchers: dict[str | None, Matcher] = {}

    def _snapshot(self) -> dict[str, float]:
        stamps: dict[str, float] = {}
        try:
            for file in scenario_files(self.path):
                stamps[str(file)] = file.stat().st_mtime_ns
        except OSError:
            pass
        return stamps

    def reload(self) -> ScenarioSet:
        """Load again; on error keep the current set, remember and re-raise the error."""
        self._stamps = self._snapshot()
        try:
            loaded = load_scenarios(self.path)
        except ConfigError as exc:
            self.last_error = exc
            log.error("scenarios not reloaded; the previous set stays in force:\n%s", exc)
            raise
        self.current = loaded
        self._matcher = Matcher(loaded.scenarios)
        self.last_error = None
        self.generation += 1
        log.info("scenarios reloaded: %d from %s", len(loaded.scenarios), self.path)
        return loaded

    def changed(self) -> bool:
        """Whether any file was added, removed or modified since the last (re)load."""
        return self._snapshot() != self._stamps

    # --- the runtime layer -------------------------------------------------------------

    def runtime(self, merchant_no: str | None) -> tuple[Scenario, ...]:
        """A scope's runtime scenarios in matching order (priority, then posting order)."""
        return tuple(sorted(self._runtime.get(merchant_no, ()), key=lambda s: -s.priority))

    def runtime_scopes(self) -> list[str | None]:
        """The scopes that have runtime scenarios: None (global) first, then merchants."""
        return sorted(self._runtime, key=lambda scope: (scope is not None, scope or ""))

    def add_runtime(self, scenarios: list[Scenario], merchant_no: str | None) -> list[str]:
        """Add ``scenarios`` to a scope; one with the name of a scenario already there
        replaces it. The names replaced; ValueError (nothing added) past the bound."""
        current = self._runtime.get(merchant_no, [])
        names = {s.name for s in scenarios}
        kept = [s for s in current if s.name not in names]
        if len(kept) + len(scenarios) > MAX_RUNTIME_SCENARIOS:
            scope = f"merchant {merchant_no}" if merchant_no else "the global scope"
            raise ValueError(
                f"{scope} would have more than {MAX_RUNTIME_SCENARIOS} runtime scenarios; "
                "delete some first"
            )
        self._set_scope(merchant_no, kept + scenarios)
        return [s.name for s in current if s.name in names]

    def remove_runtime(self, merchant_no: str | None, name: str | None = None) -> int:
        """Delete a scope's runtime scenario ``name`` (or all of them); how many went."""
        current = self._runtime.get(merchant_no, [])
        kept = [] if name is None else [s for s in current if s.name != name]
        self._set_scope(merchant_no, kept)
        return len(current) - len(kept)

    def clear_runtime(self) -> int:
        """Delete every runtime scenario of every scope; how many went."""
        count = sum(map(len, self._runtime.values()))
        self._runtime.clear()
        self._runtime_matchers.clear()
        return count

    def _set_scope(self, merchant_no: str | None, scenarios: list[Scenario]) -> None:
        if not scenarios:
            self._runtime.pop(merchant_no, None)
            self._runtime_matchers.pop(merchant_no, None)
            return
        self._runtime[merchant_no] = scenarios
        self._runtime_matchers[merchant_no] = Matcher(self.runtime(merchant_no), _NO_MATCH)

    def choose(
        self,
        *,
        endpoint: str,
        merchant_no: str,
        area: str,
        account_field: str | None,
        body: Mapping[str, Scalar],
    ) -> Scenario:
        """The merchant's runtime scenarios, then the global ones, then the files'."""
        if self._runtime_matchers:
            for scope in (merchant_no, None):
                matcher = self._runtime_matchers.get(scope)
                if matcher is None:
                    continue
                found = matcher.choose(
                    endpoint=endpoint,
                    merchant_no=merchant_no,
                    area=area,
                    account_field=account_field,
                    body=body,
                )
                if found is not _NO_MATCH:
                    return found
        return self._matcher.choose(
            endpoint=endpoint,
            merchant_no=merchant_no,
            area=area,
            account_field=account_field,
            body=body,
        )
