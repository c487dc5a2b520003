"""The compiled Matcher (endpoint index, suffix lookups) chooses exactly what trying each
scenario in order with Condition.holds would choose."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vexora_sandbox.scenarios.matcher import Matcher
from vexora_sandbox.scenarios.model import DEFAULT_SCENARIO, Condition, Match, Scenario

DIGITS = st.text("029", min_size=1, max_size=4)


def reference(scenarios: list[Scenario], endpoint: str, account: str | None, area: str) -> str:
    for s in scenarios:
        m = s.match
        if endpoint not in m.endpoints or (m.areas and area not in m.areas):
            continue
        if all(c.holds(account) for c in m.account):
            return s.name
    return DEFAULT_SCENARIO.name


@st.composite
def scenario(draw: st.DrawFn, index: int) -> Scenario:
    kind = draw(st.sampled_from(["suffix", "suffix-in-area", "prefix", "two-suffixes"]))
    suffixes = [Condition("suffix", draw(DIGITS))]
    if kind == "two-suffixes":
        suffixes.append(Condition("suffix", draw(DIGITS)))
    if kind == "prefix":
        suffixes = [Condition("prefix", draw(DIGITS))]
    endpoints = tuple(draw(st.sets(st.sampled_from(["disbursements", "checkout"]), min_size=1)))
    areas = ("india",) if kind == "suffix-in-area" else ()
    match = Match(endpoints=endpoints, areas=areas, account=tuple(suffixes))
    return Scenario(name=f"s{index}", match=match)


@st.composite
def scenario_sets(draw: st.DrawFn) -> list[Scenario]:
    count = draw(st.integers(0, 8))
    return [draw(scenario(i)) for i in range(count)]


@settings(max_examples=300, deadline=None)
@given(
    scenarios=scenario_sets(),
    endpoint=st.sampled_from(["disbursements", "checkout", "deposits"]),
    account=st.none() | st.text("0129", max_size=6),
    area=st.sampled_from(["default", "india"]),
)
def test_the_matcher_agrees_with_trying_each_scenario_in_order(
    scenarios: list[Scenario], endpoint: str, account: str | None, area: str
) -> None:
    body = {} if account is None else {"accountNo": account}
    chosen = Matcher(tuple(scenarios)).choose(
        endpoint=endpoint, merchant_no="0000000001", area=area, account_field="accountNo", body=body
    )
    assert chosen.name == reference(scenarios, endpoint, account, area)


def test_an_earlier_shorter_suffix_wins_over_a_later_longer_one() -> None:
    short = Scenario("short", match=Match(account=(Condition("suffix", "29"),)))
    long = Scenario("long", match=Match(account=(Condition("suffix", "0029"),)))
    chosen = Matcher((short, long)).choose(
        endpoint="disbursements",
        merchant_no="0000000001",
        area="default",
        account_field="accountNo",
        body={"accountNo": "1230029"},
    )
    assert chosen.name == "short"
