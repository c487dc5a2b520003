"""Choosing the scenario for a call: the first that matches, else the built-in default."""

from __future__ import annotations

from collections.abc import Mapping

from vexora_sandbox.protocol.jsonbody import Scalar
from vexora_sandbox.scenarios.model import DEFAULT_SCENARIO, Condition, Scenario


def _text(value: Scalar | None) -> str | None:
    if value is None or isinstance(value, bool):
        return None if value is None else str(value).lower()
    return value


def _all(conditions: tuple[Condition, ...], text: str | None) -> bool:
    return all(c.holds(text) for c in conditions)


def matches(
    scenario: Scenario,
    *,
    endpoint: str,
    merchant_no: str,
    area: str,
    account_field: str | None,
    body: Mapping[str, Scalar],
) -> bool:
    m = scenario.match
    if endpoint not in m.endpoints:
        return False
    if m.merchant_nos and merchant_no not in m.merchant_nos:
        return False
    if m.areas and area not in m.areas:
        return False
    if m.account:
        account = _text(body.get(account_field)) if account_field else None
        if not _all(m.account, account):
            return False
    return all(_all(conds, _text(body.get(name))) for name, conds in m.body)


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
    """The first scenario (in priority, then file order) whose conditions all hold."""
    for scenario in scenarios:
        if matches(
            scenario,
            endpoint=endpoint,
            merchant_no=merchant_no,
            area=area,
            account_field=account_field,
            body=body,
        ):
            return scenario
    return default
