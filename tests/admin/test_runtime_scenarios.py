"""POST/GET/DELETE /_sandbox/scenarios (runtime scenarios) and GET /_sandbox/requests/count."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.admin.conftest import Admin, Client, Payout
from tests.conftest import MERCHANT_NO, SECRET, TEST_SCENARIOS
from vexora_sandbox import CallbackReceiver, SandboxConfig
from vexora_sandbox.domain.store import Merchant
from vexora_sandbox.scenarios.registry import MAX_RUNTIME_SCENARIOS

OTHER = "0000000002"
OTHER_SECRET = "other-secret"

REFUSE = """\
name: refuse-everything
response:
  code: "8000"
  msg: runtime says no
"""


@pytest.fixture
def config() -> SandboxConfig:
    return SandboxConfig(
        scenarios=TEST_SCENARIOS,
        merchants=(Merchant(MERCHANT_NO, SECRET), Merchant(OTHER, OTHER_SECRET)),
    )


async def post(
    client: Client, text: str, merchant_no: str | None = None, content_type: str = "text/yaml"
) -> tuple[int, Any]:
    params = {"merchantNo": merchant_no} if merchant_no else {}
    response = await client.post(
        "/_sandbox/scenarios", data=text, params=params, headers={"Content-Type": content_type}
    )
    return response.status, await response.json()


async def test_a_merchants_scenario_decides_its_calls_only(
    client: Client, admin: Admin, payout: Payout
) -> None:
    status, body = await post(client, REFUSE, MERCHANT_NO)
    assert status == 201
    assert (body["added"], body["replaced"], body["merchantNo"]) == (
        ["refuse-everything"],
        [],
        MERCHANT_NO,
    )
    mine = await payout("T1")
    assert (mine["code"], mine["msg"]) == ("8000", "runtime says no")
    theirs = await payout("T1", merchant_no=OTHER, secret=OTHER_SECRET)
    assert theirs["code"] == "0000"
    _, journal = await admin("GET", "requests", params={"merchantNo": MERCHANT_NO})
    assert journal["requests"][0]["scenario"] == "refuse-everything"


async def test_it_takes_precedence_over_the_files(client: Client, payout: Payout) -> None:
    # The shipped scenarios answer an account ending in 995000 with 5000; the runtime
    # scenario wins over them for this merchant.
    shipped = await payout("T1", accountNo="880000995000")
    assert shipped["code"] == "5000"
    accept = 'name: accept\nmatch: {account: {suffix: "5000"}}\nresponse: {code: "0000"}\n'
    assert (await post(client, accept, MERCHANT_NO))[0] == 201
    assert (await payout("T2", accountNo="880000995000"))["code"] == "0000"


async def test_a_merchants_own_comes_before_the_global_ones(client: Client, payout: Payout) -> None:
    assert (await post(client, REFUSE))[0] == 201  # global
    accept = '{"name": "let-me-through", "response": {"code": "0000", "status": "0000"}}'
    assert (await post(client, accept, MERCHANT_NO, "application/json"))[0] == 201
    mine = await payout("T1")
    assert (mine["code"], mine["data"]["status"]) == ("0000", "0000")
    theirs = await payout("T1", merchant_no=OTHER, secret=OTHER_SECRET)
    assert (theirs["code"], theirs["msg"]) == ("8000", "runtime says no")


async def test_the_same_name_replaces_and_delete_removes(
    client: Client, admin: Admin, payout: Payout
) -> None:
    await post(client, REFUSE, MERCHANT_NO)
    status, body = await post(client, REFUSE.replace("runtime says no", "still no"), MERCHANT_NO)
    assert (status, body["replaced"]) == (201, ["refuse-everything"])
    assert (await payout("T1"))["msg"] == "still no"
    assert await admin(
        "DELETE", "scenarios/refuse-everything", params={"merchantNo": MERCHANT_NO}
    ) == (200, {"deleted": ["refuse-everything"], "merchantNo": MERCHANT_NO})
    assert (await payout("T2"))["code"] == "0000"
    assert await admin("DELETE", "scenarios/refuse-everything") == (
        404,
        {
            "error": "no runtime scenario 'refuse-everything' global "
            "(add merchantNo for a merchant's)"
        },
    )


async def test_a_file_scenario_cannot_be_deleted(admin: Admin) -> None:
    _, listed = await admin("GET", "scenarios")
    name = next(s["name"] for s in listed["scenarios"] if s["origin"] == "file")
    assert await admin("DELETE", f"scenarios/{name}") == (
        409,
        {"error": f"scenario {name!r} comes from a file; edit the file and reload instead"},
    )


async def test_the_listing_says_where_each_comes_from(client: Client, admin: Admin) -> None:
    await post(client, REFUSE, OTHER)
    await post(client, "- name: global-one\n  response: {delay: 1ms}\n")
    _, everything = await admin("GET", "scenarios")
    runtime = [
        (s["name"], s["origin"], s["merchantNo"])
        for s in everything["scenarios"]
        if s["origin"] == "runtime"
    ]
    assert runtime == [("refuse-everything", "runtime", OTHER), ("global-one", "runtime", None)]
    assert everything["scenarios"][2]["origin"] == "file"
    _, mine = await admin("GET", "scenarios", params={"merchantNo": MERCHANT_NO})
    assert [s["name"] for s in mine["scenarios"] if s["origin"] == "runtime"] == ["global-one"]


async def test_reset_of_a_merchant_drops_its_runtime_scenarios_only(
    client: Client, admin: Admin, payout: Payout
) -> None:
    await post(client, REFUSE, MERCHANT_NO)
    await post(client, REFUSE, OTHER)
    await admin("POST", "reset", {"merchantNo": MERCHANT_NO})
    assert (await payout("T1"))["code"] == "0000"
    assert (await payout("T1", merchant_no=OTHER, secret=OTHER_SECRET))["code"] == "8000"
    await admin("POST", "reset")
    assert (await payout("T2", merchant_no=OTHER, secret=OTHER_SECRET))["code"] == "0000"


async def test_deleting_a_runtime_merchant_drops_its_scenarios(
    client: Client, admin: Admin
) -> None:
    await admin("POST", "merchants", {"merchantNo": "1234567890"})
    await post(client, REFUSE, "1234567890")
    await admin("DELETE", "merchants/1234567890")
    _, listed = await admin("GET", "scenarios")
    assert [s for s in listed["scenarios"] if s["origin"] == "runtime"] == []


async def test_delete_all_of_a_scope(client: Client, admin: Admin) -> None:
    await post(client, "- name: a\n- name: b\n", MERCHANT_NO)
    await post(client, "name: c\n")
    assert await admin("DELETE", "scenarios", params={"merchantNo": MERCHANT_NO}) == (
        200,
        {"deleted": ["a", "b"], "merchantNo": MERCHANT_NO},
    )
    _, listed = await admin("GET", "scenarios")
    assert [s["name"] for s in listed["scenarios"] if s["origin"] == "runtime"] == ["c"]


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            "name: late\ncallbacks:\n  - after: soon\n    status: '0000'\n",
            [
                "the posted scenario:3: [0].callbacks[0].after: must be a duration like 3s, "
                "500ms, 2m or 1h; got 'soon'"
            ],
        ),
        (
            "name: x\nresponse:\n  code: 8000\n",
            [
                'the posted scenario:3: [0].response.code: must be a quoted string such as "0015"; '
                "YAML read the unquoted value as the number 8000"
            ],
        ),
        (
            '{\n  "name": "j",\n  "colour": "red"\n}',
            [
                "the posted scenario:3: [0].colour: unknown key 'colour'; expected one of name, "
                "description, priority, match, response, callbacks"
            ],
        ),
        (
            "- name: twice\n- name: twice\n",
            ["the posted scenario:2: name: scenario name 'twice' is used twice (first at line 1)"],
        ),
        (
            "name: [unclosed\n",
            ["the posted scenario:2: invalid YAML: did not find expected ',' or ']'"],
        ),
        (
            "42\n",
            [
                "the posted scenario:1: a posted scenario document must be a list of "
                "scenarios; got a number (42)"
            ],
        ),
    ],
)
async def test_an_invalid_scenario_is_refused_with_its_line(
    client: Client, admin: Admin, text: str, problems: list[str]
) -> None:
    status, body = await post(client, text, MERCHANT_NO)
    assert status == 422
    assert body == {"error": "the scenarios were not added: " + problems[0], "problems": problems}
    _, listed = await admin("GET", "scenarios")
    assert [s for s in listed["scenarios"] if s["origin"] == "runtime"] == []


async def test_bad_bodies_and_scopes(client: Client) -> None:
    assert await post(client, "  \n") == (
        400,
        {"error": "the body is empty; send a scenario in YAML or JSON"},
    )
    response = await client.post("/_sandbox/scenarios", data=b"\xff\xfe")
    assert (response.status, await response.json()) == (
        400,
        {"error": "the body is not UTF-8 text"},
    )
    assert await post(client, REFUSE, "0000000999") == (
        404,
        {"error": "merchant 0000000999 is not configured"},
    )


async def test_a_scope_is_bounded(client: Client) -> None:
    many = "".join(f"- name: s{i}\n" for i in range(MAX_RUNTIME_SCENARIOS))
    assert (await post(client, many, MERCHANT_NO))[0] == 201
    status, body = await post(client, "name: one-more\n", MERCHANT_NO)
    assert status == 409
    assert body["error"] == (
        f"merchant {MERCHANT_NO} would have more than {MAX_RUNTIME_SCENARIOS} runtime "
        "scenarios; delete some first"
    )


# --- request verification -------------------------------------------------------------


async def test_count_of_the_calls_matching_a_filter(
    client: Client, admin: Admin, payout: Payout, receiver: CallbackReceiver
) -> None:
    await post(client, REFUSE, OTHER)
    await payout("T1")
    await payout("T2")
    await payout("T1")  # a duplicate: refused
    await payout("T3", merchant_no=OTHER, secret=OTHER_SECRET)

    async def count(**filters: str) -> int:
        status, body = await admin("GET", "requests/count", params=filters)
        assert status == 200, body
        assert body["dropped"] == 0
        result: int = body["count"]
        return result

    assert await count() == 4
    assert await count(merchantNo=MERCHANT_NO) == 3
    assert await count(merchantNo=MERCHANT_NO, code="8000") == 1
    assert await count(tradeNo="T1") == 2
    assert await count(endpoint="disbursements", code="0000") == 2
    assert await count(scenario="refuse-everything") == 1
    assert await count(httpStatus="200") == 4
    _, listed = await admin("GET", "requests", params={"code": "8000"})
    assert [json.dumps(e["body"]["tradeNo"]) for e in listed["requests"]] == ['"T1"', '"T3"']
    assert await admin("GET", "requests/count", params={"httpStatus": "ok"}) == (
        400,
        {"error": "httpStatus must be a number; got 'ok'"},
    )
