"""Choosing the scenario for a call: the first that matches, else the built-in default.

Every call is matched, so a scenario set is compiled once (when it is loaded) into a
:class:`Matcher`: scenarios indexed by endpoint, each condition turned into a plain
callable. The order stays priority, then file order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from vexora_sandbox.protocol.jsonbody import Scalar, field_text
from vexora_sandbox.scenarios.model import DEFAULT_SCENARIO, Scenario

Test = Callable[[str | None], bool]


@dataclass(frozen=True, slots=True)
class _Compiled:
    scenario: Scenario
    merchant_nos: frozenset[str]
    areas: frozenset[str]
    account: tuple[Test, ...]
    body: tuple[tuple[str, tuple[Test, ...]], ...]

    def holds(
        self, merchant_no: str, area: str, account_field: str | None, body: Mapping[str, Scalar]
    ) -> bool:
        if self.merchant_nos and merchant_no not in self.merchant_nos:
            return False
        if self.areas and area not in self.areas:
            return False
        if self.account:
            account = field_text(body.get(account_field)) if account_field else None
            if not all(test(account) for test in self.account):
                return False
        for name, tests in self.body:
            text = field_text(body.get(name))
            if not all(test(text) for test in tests):
                return False
        return True


def _compile(scenario: Scenario) -> _Compiled:
    m = scenario.match
    return _Compiled(
        scenario,
        frozenset(m.merchant_nos),
        frozenset(m.areas),
        tuple(c.test() for c in m.account),
        tuple((name, tuple(c.test() for c in conds)) for name, conds in m.body),
    )


@dataclass(slots=True)
class _SuffixGroup:
    """Consecutive scenarios whose one condition is an account suffix: a dict lookup per
    suffix length instead of a test per scenario (the shipped set is 18 of these)."""

    by_suffix: dict[str, tuple[int, Scenario]]
    lengths: list[int]

    def add(self, index: int, suffix: str, scenario: Scenario) -> None:
        self.by_suffix.setdefault(suffix, (index, scenario))  # the first one wins, as in order
        if len(suffix) not in self.lengths:
            self.lengths.append(len(suffix))

    def find(self, account: str | None) -> Scenario | None:
        if account is None:
            return None
        found: tuple[int, Scenario] | None = None
        for length in self.lengths:
            hit = self.by_suffix.get(account[-length:]) if len(account) >= length else None
            if hit is not None and (found is None or hit[0] < found[0]):
                found = hit
        return None if found is None else found[1]


def _only_an_account_suffix(scenario: Scenario) -> str | None:
    m = scenario.match
    if m.merchant_nos or m.areas or m.body or len(m.account) != 1:
        return None
    (condition,) = m.account
    if condition.op == "suffix" and isinstance(condition.value, str) and condition.value:
        return condition.value
    return None


class Matcher:
    """A scenario set compiled for matching."""

    def __init__(self, scenarios: tuple[Scenario, ...], default: Scenario = DEFAULT_SCENARIO):
        self.default = default
        self._by_endpoint: dict[str, list[_Compiled | _SuffixGroup]] = {}
        for index, scenario in enumerate(scenarios):
            suffix = _only_an_account_suffix(scenario)
            for endpoint in scenario.match.endpoints:
                entries = self._by_endpoint.setdefault(endpoint, [])
                if suffix is None:
                    entries.append(_compile(scenario))
                    continue
                if not entries or not isinstance(entries[-1], _SuffixGroup):
                    entries.append(_SuffixGroup({}, []))
                group = entries[-1]
                assert isinstance(group, _SuffixGroup)
                group.add(index, suffix, scenario)

    def choose(
        self,
        *,
        endpoint: str,
        merchant_no: str,
        area: str,
        account_field: str | None,
        body: Mapping[str, Scalar],
    ) -> Scenario:
        """The first scenario (in priority, then file order) whose conditions all hold."""
        for entry in self._by_endpoint.get(endpoint, ()):
            if isinstance(entry, _SuffixGroup):
                account = field_text(body.get(account_field)) if account_field else None
                found = entry.find(account)
                if found is not None:
                    return found
            elif entry.holds(merchant_no, area, account_field, body):
                return entry.scenario
        return self.default


def choose(
    scenarios: tuple[Scenario, ...],
    *,
    endpoint: str,
    merchant_no: str,
    area: str,
    account_field: str | None,
    body: Mapping[str, Scalar],
    default: Scenario = DEFAULT_SCENARIO,
) -> Scenario:
    """The first scenario of ``scenarios`` that matches (compiles them: for one-off use)."""
    return Matcher(scenarios, default).choose(
        endpoint=endpoint,
        merchant_no=merchant_no,
        area=area,
        account_field=account_field,
        body=body,
    )
