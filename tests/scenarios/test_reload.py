"""Reloading scenarios without a restart: POST /_sandbox/scenarios/reload and ``--watch``.

An invalid change keeps the previous set serving and reports the problems (422); a valid
change is picked up; GET /_sandbox/scenarios lists what is loaded.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import payout_body
from vexora_sandbox import SandboxConfig
from vexora_sandbox import app as app_module
from vexora_sandbox.scenarios.model import DEFAULT_SCENARIO

Client = TestClient[web.Request, web.Application]
Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]

OLD = """\
- name: refuse-111
  description: The old answer.
  match: {account: {suffix: "111"}}
  response: {code: "8000", msg: old answer}
"""
NEW = """\
- name: refuse-111
  description: The new answer.
  match: {account: {suffix: "111"}}
  response: {code: "8000", msg: new answer}
- name: refuse-222
  match: {account: {suffix: "222"}}
  response: {code: "8000", msg: another}
"""
INVALID = """\
- name: refuse-111
  match: {account: {suffix: "111"}}
  response: {code: "8000", msg: new answer, fault: boom}
"""


def replace(path: Path, text: str) -> None:
    """Rewrite a file and move its mtime on, however coarse the file system's clock."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "scenarios" / "mine.yaml"
    path.parent.mkdir()
    path.write_text(OLD, encoding="utf-8")
    return path


@pytest.fixture
def config(scenario_file: Path, request: pytest.FixtureRequest) -> SandboxConfig:
    """The app's config: the scenario directory, watched when a test asks for ``watching``."""
    watch = "watching" in request.fixturenames
    if watch:
        request.getfixturevalue("watching")
    return SandboxConfig(scenarios=str(scenario_file.parent), watch=watch)


async def answer_msg(gateway: Gateway, account: str, trade_no: str) -> str:
    _, answer = await gateway("disbursements", payout_body(tradeNo=trade_no, accountNo=account))
    return str(answer["msg"])


async def listed(client: Client) -> dict[str, Any]:
    response = await client.get("/_sandbox/scenarios")
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return body


async def test_get_scenarios_lists_what_is_loaded(client: Client, scenario_file: Path) -> None:
    assert await listed(client) == {
        "path": scenario_file.parent.name,
        "files": [scenario_file.name],
        "generation": 1,
        "lastError": None,
        "scenarios": [
            {
                "name": "refuse-111",
                "description": "The old answer.",
                "priority": 0,
                "source": f"{scenario_file.name}:1",
                "endpoints": ["disbursements", "checkout", "deposits"],
                "response": {"code": "8000", "status": "0015", "delay": 0.0, "fault": None},
                "callbacks": [],
                "origin": "file",
                "merchantNo": None,
            }
        ],
        "default": DEFAULT_SCENARIO.as_json(),
    }
    assert DEFAULT_SCENARIO.as_json()["callbacks"] == [
        {"after": 2.0, "status": "0000", "sign": "valid", "repeat": 1}
    ]


async def test_a_valid_change_is_picked_up_by_reload(
    client: Client, gateway: Gateway, scenario_file: Path
) -> None:
    assert await answer_msg(gateway, "880000000111", "T1") == "old answer"
    replace(scenario_file, NEW)
    response = await client.post("/_sandbox/scenarios/reload")
    assert response.status == 200
    assert await response.json() == {"reloaded": 2, "generation": 2}
    assert await answer_msg(gateway, "880000000111", "T2") == "new answer"
    assert await answer_msg(gateway, "880000000222", "T3") == "another"
    state = await listed(client)
    assert [s["name"] for s in state["scenarios"]] == ["refuse-111", "refuse-222"]
    assert (state["generation"], state["lastError"]) == (2, None)


async def test_an_invalid_change_keeps_the_previous_set_serving(
    client: Client, gateway: Gateway, scenario_file: Path
) -> None:
    replace(scenario_file, INVALID)
    response = await client.post("/_sandbox/scenarios/reload")
    assert response.status == 422
    problem = (
        f"{scenario_file.name}:3: [0].response.fault: must be one of http_500, connection_reset, "
        "malformed_json, empty_body, timeout or null; got 'boom'"
    )
    assert await response.json() == {
        "error": "the scenarios were not reloaded; the previous set stays in force",
        "problems": [problem],
        "inForce": 1,
    }
    assert await answer_msg(gateway, "880000000111", "T1") == "old answer"
    state = await listed(client)
    assert (state["generation"], state["lastError"]) == (1, problem)
    assert [s["description"] for s in state["scenarios"]] == ["The old answer."]

    # Fixed: the next reload takes it, and the error is forgotten.
    replace(scenario_file, NEW)
    response = await client.post("/_sandbox/scenarios/reload")
    assert response.status == 200
    assert await answer_msg(gateway, "880000000111", "T2") == "new answer"
    state = await listed(client)
    assert (state["generation"], state["lastError"]) == (2, None)


async def test_files_added_and_removed_are_picked_up(
    client: Client, gateway: Gateway, scenario_file: Path
) -> None:
    extra = scenario_file.parent / "extra.yaml"
    replace(
        extra,
        '- {name: refuse-333, match: {account: {suffix: "333"}},'
        ' response: {code: "8000", msg: three}}\n',
    )
    assert (await client.post("/_sandbox/scenarios/reload")).status == 200
    assert await answer_msg(gateway, "880000000333", "T1") == "three"
    assert (await listed(client))["files"] == [extra.name, scenario_file.name]

    extra.unlink()
    assert (await client.post("/_sandbox/scenarios/reload")).status == 200
    assert await answer_msg(gateway, "880000000333", "T2") == "success"  # the default again


async def test_a_duplicate_name_in_a_new_file_is_refused(
    client: Client, scenario_file: Path
) -> None:
    extra = scenario_file.parent / "z.yaml"
    replace(extra, "- {name: refuse-111}\n")
    response = await client.post("/_sandbox/scenarios/reload")
    assert response.status == 422
    assert (await response.json())["problems"] == [
        f"{extra.name}:1: name: scenario name 'refuse-111' is used twice "
        f"(first at {scenario_file.name}:1)"
    ]


async def test_a_vanished_path_keeps_the_previous_set(
    client: Client, gateway: Gateway, scenario_file: Path
) -> None:
    scenario_file.unlink()
    scenario_file.parent.rmdir()
    response = await client.post("/_sandbox/scenarios/reload")
    assert response.status == 422
    assert (await response.json())["problems"] == [
        f"{scenario_file.parent.name}: no such file or directory"
    ]
    assert await answer_msg(gateway, "880000000111", "T1") == "old answer"


# --- --watch -----------------------------------------------------------------------------


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        assert loop.time() < deadline, "the watcher did not act in time"
        await asyncio.sleep(0.01)


@pytest.fixture
def watching(monkeypatch: pytest.MonkeyPatch) -> None:
    """Poll every 20 ms instead of every second."""
    monkeypatch.setattr(app_module, "WATCH_INTERVAL", 0.02)


async def test_watch_picks_up_a_change(
    watching: None, client: Client, gateway: Gateway, scenario_file: Path
) -> None:
    assert await answer_msg(gateway, "880000000111", "T1") == "old answer"
    replace(scenario_file, NEW)

    async def reloaded() -> bool:
        return bool((await listed(client))["generation"] == 2)

    await wait_until(reloaded)
    assert await answer_msg(gateway, "880000000111", "T2") == "new answer"


async def test_watch_keeps_the_previous_set_on_an_invalid_change(
    watching: None,
    client: Client,
    gateway: Gateway,
    scenario_file: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    replace(scenario_file, INVALID)

    async def reported() -> bool:
        return (await listed(client))["lastError"] is not None

    await wait_until(reported)
    state = await listed(client)
    assert state["generation"] == 1
    assert state["lastError"] == (
        f"{scenario_file.name}:3: [0].response.fault: must be one of http_500, connection_reset, "
        "malformed_json, empty_body, timeout or null; got 'boom'"
    )
    assert await answer_msg(gateway, "880000000111", "T1") == "old answer"
    assert "scenarios not reloaded; the previous set stays in force" in caplog.text

    replace(scenario_file, NEW)

    async def reloaded() -> bool:
        return bool((await listed(client))["generation"] == 2)

    await wait_until(reloaded)
    assert (await listed(client))["lastError"] is None


async def test_without_watch_a_change_waits_for_reload(
    client: Client, gateway: Gateway, scenario_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A watcher, were one running, would poll 25 times in the half second waited below.
    monkeypatch.setattr(app_module, "WATCH_INTERVAL", 0.02)
    watchers = [t for t in asyncio.all_tasks() if t.get_name() == "vexora-scenario-watcher"]
    assert watchers == []
    replace(scenario_file, NEW)
    await asyncio.sleep(0.5)
    assert (await listed(client))["generation"] == 1
    assert await answer_msg(gateway, "880000000111", "T1") == "old answer"
    # The change waits for the reload that is asked for.
    response = await client.post("/_sandbox/scenarios/reload")
    assert response.status == 200
    assert (await listed(client))["generation"] == 2
    assert await answer_msg(gateway, "880000000111", "T2") == "new answer"
