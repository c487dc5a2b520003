"""The scenario set in force, reloadable without a restart.

An invalid change keeps the previous set serving; the error is kept for
``GET /_sandbox/scenarios`` and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from vexora_sandbox.errors import ConfigError
from vexora_sandbox.protocol.jsonbody import Scalar
from vexora_sandbox.scenarios.loader import ScenarioSet, load_scenarios, scenario_files
from vexora_sandbox.scenarios.matcher import Matcher
from vexora_sandbox.scenarios.model import Scenario

log = logging.getLogger("vexora_sandbox.scenarios")


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

    def choose(
        self,
        *,
        endpoint: str,
        merchant_no: str,
        area: str,
        account_field: str | None,
        body: Mapping[str, Scalar],
    ) -> Scenario:
        return self._matcher.choose(
            endpoint=endpoint,
            merchant_no=merchant_no,
            area=area,
            account_field=account_field,
            body=body,
        )
