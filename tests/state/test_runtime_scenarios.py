"""Runtime scenarios (POST /_sandbox/scenarios) are kept in the --state file.

A long-running sandbox whose suites post their scenarios must restart on its file with
them: each scope's scenarios come back in their matching order, read again from the text
they were posted in (so the listing is the same, source lines included) and deciding the
calls as before. Deleted ones stay deleted; a merchant's reset drops its scenarios from
the file, a full reset every one. A file of schema version 2 gets the scenarios' table.
"""

from __future__ import annotations

import io
import sqlite3
from typing import Any

from tests.conftest import MERCHANT_NO
from tests.state.conftest import (
    Client,
    admin,
    create_payout,
    make_version,
    running,
    schema_version,
)
from vexora_sandbox import SandboxConfig
from vexora_sandbox.state.sqlite import SqliteBackend
from vexora_sandbox.state.transfer import export_lines, import_lines

REFUSE = """\
# A merchant's: every call refused.
name: refuse-everything
response:
  code: "8000"
  msg: runtime says no
"""
TWO = """\
- name: slow-success
  description: answered 0000 with a success
  response: {code: "0000", status: "0000"}
- name: fails-later
  priority: 5
  match: {account: {suffix: "777"}}
  callbacks: [{after: 3, status: "00029"}]
"""
ACCEPT = '{"name": "accept", "response": {"code": "0000", "status": "0000"}}'


async def post(client: Client, text: str, merchant_no: str | None = None) -> None:
    params = {"merchantNo": merchant_no} if merchant_no else {}
    response = await client.post("/_sandbox/scenarios", data=text, params=params)
    assert response.status == 201, await response.text()


async def runtime(client: Client) -> list[dict[str, Any]]:
    listed = await admin(client, "GET", "scenarios")
    return [s for s in listed["scenarios"] if s["origin"] == "runtime"]


async def test_runtime_scenarios_come_back_after_a_restart(state_file: str) -> None:
    config = SandboxConfig(state=state_file)
    async with running(config) as client:
        await post(client, TWO)  # global
        await post(client, ACCEPT, MERCHANT_NO)
        await post(client, REFUSE, MERCHANT_NO)
        before = await runtime(client)
    assert [(s["name"], s["merchantNo"]) for s in before] == [
        ("accept", MERCHANT_NO),
        ("refuse-everything", MERCHANT_NO),
        ("fails-later", None),
        ("slow-success", None),
    ]
    async with running(config) as client:
        assert await runtime(client) == before
        # The merchant's first posted scenario still decides its calls.
        answer = await create_payout(client, "T1")
        assert (answer["code"], answer["data"]["status"]) == ("0000", "0000")
        requests = await admin(client, "GET", "requests")
        assert requests["requests"][0]["scenario"] == "accept"


async def test_deleted_and_replaced_scenarios_stay_so(state_file: str) -> None:
    config = SandboxConfig(state=state_file)
    async with running(config) as client:
        await post(client, TWO)
        await post(client, ACCEPT, MERCHANT_NO)
        await admin(client, "DELETE", "scenarios/slow-success")
        await post(client, REFUSE.replace("runtime says no", "still no"))  # global, added
        await post(client, REFUSE.replace("runtime says no", "now this"))  # replaces it
        await admin(client, "DELETE", f"scenarios?merchantNo={MERCHANT_NO}")
    async with running(config) as client:
        assert [(s["name"], s["merchantNo"]) for s in await runtime(client)] == [
            ("fails-later", None),
            ("refuse-everything", None),
        ]
        answer = await create_payout(client, "T1")
        assert (answer["code"], answer["msg"]) == ("8000", "now this")


async def test_a_reset_drops_them_from_the_file(state_file: str) -> None:
    config = SandboxConfig(state=state_file)
    async with running(config) as client:
        await post(client, TWO)
        await post(client, REFUSE, MERCHANT_NO)
        await admin(client, "POST", "reset", {"merchantNo": MERCHANT_NO})
    async with running(config) as client:
        assert [s["name"] for s in await runtime(client)] == ["fails-later", "slow-success"]
        await post(client, REFUSE, MERCHANT_NO)
        await admin(client, "POST", "reset")
    async with running(config) as client:
        assert await runtime(client) == []
    db = sqlite3.connect(state_file)
    assert db.execute("SELECT COUNT(*) FROM scenarios").fetchone() == (0,)
    db.close()


async def test_a_file_of_schema_version_2_gets_the_scenarios_table_and_kept_orders(
    state_file: str,
) -> None:
    config = SandboxConfig(state=state_file)
    async with running(config) as client:
        assert (await create_payout(client, "T1"))["code"] == "0000"
        await admin(client, "POST", "transactions/T1/status", {"status": "00029"})
        assert (await create_payout(client, "T2", remark="second"))["code"] == "0000"
        before = await admin(client, "GET", "transactions")
    make_version(state_file, 2)
    async with running(config) as client:
        assert await admin(client, "GET", "transactions") == before
        await post(client, REFUSE, MERCHANT_NO)
    async with running(config) as client:
        assert [s["name"] for s in await runtime(client)] == ["refuse-everything"]
        assert (await create_payout(client, "T3"))["code"] == "8000"
        assert await admin(client, "GET", "transactions") == before
    assert schema_version(state_file) == "3"


async def test_an_export_carries_them_to_another_file(state_file: str, tmp_path: Any) -> None:
    config = SandboxConfig(state=state_file)
    async with running(config) as client:
        await post(client, TWO)
        before = await runtime(client)
    source = SqliteBackend(state_file)
    source.open()
    text = "\n".join(export_lines(source)) + "\n"
    source.close()
    assert '"type":"scenario"' in text
    other = str(tmp_path / "other.db")
    target = SqliteBackend(other)
    target.open()
    import_lines(target, io.StringIO(text), "export.jsonl", config, replace=False)
    target.close()
    async with running(SandboxConfig(state=other)) as client:
        assert await runtime(client) == before
