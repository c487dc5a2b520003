"""AdminClient.add_scenarios: a dict or list, or YAML text as in a scenario file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vexora_sandbox import SandboxError, SandboxServer

REFUSE_77 = """\
# Accounts ending in 77 are refused at once.
name: refuse-77
match: {endpoint: disbursements, account: {suffix: "77"}}
response: {code: "8000", msg: refused by a YAML scenario}
"""

TWO = """\
- name: refuse-77
  match: {account: {suffix: "77"}}
  response: {code: "8000", msg: first}
- name: refuse-88
  match: {account: {suffix: "88"}}
  response: {code: "8000", msg: second}
"""

LATE = """\
name: late
match: {endpoint: disbursements}
callbacks:
  - {after: soon, status: "00029"}
"""


@pytest.fixture(scope="module")
def _sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(time_scale=0.01) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(_sandbox: SandboxServer) -> SandboxServer:
    _sandbox.reset()  # runtime scenarios too
    return _sandbox


def test_yaml_text_is_added_as_a_scenario_file_would_be(sandbox: SandboxServer) -> None:
    answer = sandbox.admin.add_scenarios(REFUSE_77)
    assert (answer["added"], answer["replaced"], answer["merchantNo"]) == (["refuse-77"], [], None)
    refused = sandbox.payout(accountNo="880000000077")
    assert (refused["code"], refused["msg"]) == ("8000", "refused by a YAML scenario")
    assert sandbox.payout()["code"] == "0000"


def test_a_yaml_list_for_one_merchant(sandbox: SandboxServer) -> None:
    answer = sandbox.admin.add_scenarios(TWO, merchant_no=sandbox.merchant_no)
    assert (answer["added"], answer["merchantNo"]) == (
        ["refuse-77", "refuse-88"],
        sandbox.merchant_no,
    )
    assert sandbox.payout(accountNo="880000000088")["msg"] == "second"


def test_a_dict_still_works(sandbox: SandboxServer) -> None:
    scenario = {
        "name": "refuse-77",
        "match": {"account": {"suffix": "77"}},
        "response": {"code": "8000", "msg": "from a dict"},
    }
    assert sandbox.admin.add_scenarios(scenario)["added"] == ["refuse-77"]
    assert sandbox.payout(accountNo="880000000077")["msg"] == "from a dict"


def test_an_invalid_one_names_its_line(sandbox: SandboxServer) -> None:
    with pytest.raises(SandboxError) as raised:
        sandbox.admin.add_scenarios(LATE)
    problem = (
        "the posted scenario:4: [0].callbacks[0].after: must be a duration like 3s, 500ms, "
        "2m or 1h; got 'soon'"
    )
    assert raised.value.status == 422
    assert raised.value.reason == f"the scenarios were not added: {problem}"
    assert raised.value.body["problems"] == [problem]
    assert str(raised.value) == (
        f"POST /_sandbox/scenarios answered 422: the scenarios were not added:\n  {problem}"
    )
    assert sandbox.admin.scenarios()["scenarios"][0]["origin"] == "file"  # nothing added


def test_invalid_yaml_names_its_line(sandbox: SandboxServer) -> None:
    with pytest.raises(SandboxError) as raised:
        sandbox.admin.add_scenarios("name: x\nmatch: [\n")
    assert raised.value.status == 422
    assert raised.value.reason.startswith(
        "the scenarios were not added: the posted scenario:3: invalid YAML"
    ), raised.value.reason


def test_empty_text_is_refused_as_the_admin_api_refuses_it(sandbox: SandboxServer) -> None:
    with pytest.raises(SandboxError) as raised:
        sandbox.admin.add_scenarios("   \n")
    assert (raised.value.status, raised.value.reason) == (
        400,
        "the body is empty; send a scenario in YAML or JSON",
    )
