"""Every admin route answers bad input with a JSON 4xx, never a 500, and the manual clock
cannot be broken.

Found from outside: ``/_sandbox/callbacks/%C2%B2`` (``"²".isdigit()`` is true) and a
deeply nested JSON body on any admin POST (RecursionError) answered 500;
``{"seconds": NaN}`` or ``Infinity`` broke every payout until a restart, and ``1e300``
broke the callbacks; ``GET /_sandbox/scenarios`` showed the server's file system paths.
"""

from __future__ import annotations

import json

import pytest

from tests.admin.conftest import Admin, Client, Payout
from vexora_sandbox import CallbackReceiver, keys

# The POST routes that read a body (replay and scenarios/reload ignore theirs).
POSTS = ["reset", "transactions/T1/status", "clock/advance", "settle"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_sandbox/callbacks/%C2%B2"),
        ("POST", "/_sandbox/callbacks/%C2%B2/replay"),
        ("GET", "/_sandbox/callbacks/%D9%A3"),  # an Arabic-Indic digit three
        ("GET", "/_sandbox/callbacks/" + "9" * 5000),
    ],
)
async def test_callback_ids_that_are_not_ascii_digits_are_404(
    client: Client, method: str, path: str
) -> None:
    response = await client.request(method, path)
    assert response.status == 404
    assert response.content_type == "application/json"
    body = await response.json()
    assert body["error"].startswith("no callback with id ")
    assert client.app[keys.ERRORS] == []


@pytest.mark.parametrize("path", POSTS)
async def test_a_deeply_nested_body_is_a_400_on_every_admin_post(client: Client, path: str) -> None:
    nested = b"[" * 100_000 + b"]" * 100_000
    response = await client.post(f"/_sandbox/{path}", data=b'{"a":' + nested + b"}")
    assert response.status == 400
    assert response.content_type == "application/json"
    assert await response.json() == {"error": "the body is not valid JSON: it is nested too deeply"}
    assert client.app[keys.ERRORS] == []


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b'{"seconds": NaN}', "the body is not valid JSON: NaN is not a JSON number"),
        (b'{"seconds": Infinity}', "the body is not valid JSON: Infinity is not a JSON number"),
        (b'{"seconds": -Infinity}', "the body is not valid JSON: -Infinity is not a JSON number"),
        (b'{"seconds": 1e400}', "the body is not valid JSON: 1e400 is too large for a number"),
        (
            b'{"seconds": 1e300}',
            "seconds must be at most 315360000 (ten years) per advance; got 1e+300",
        ),
    ],
)
async def test_the_clock_refuses_what_would_break_it(
    client: Client,
    admin: Admin,
    payout: Payout,
    receiver: CallbackReceiver,
    raw: bytes,
    error: str,
) -> None:
    before = (await admin("GET", "clock"))[1]["now"]
    response = await client.post("/_sandbox/clock/advance", data=raw)
    assert response.status == 400
    assert await response.json() == {"error": error}
    # Nothing broke: the clock, a payout and its callback all work.
    assert await admin("GET", "clock") == (200, {"now": before, "manual": True})
    assert (await payout("T1"))["code"] == "0000"
    assert await admin("POST", "clock/advance", {"seconds": 2}) == (
        200,
        {"now": before + 2000, "callbackAttempts": 1},
    )
    assert [c.trade_no for c in receiver.received] == ["T1"]


async def test_the_clock_stops_before_the_year_9000(admin: Admin) -> None:
    for _ in range(800):
        status, body = await admin("POST", "clock/advance", {"seconds": 315360000})
        if status != 200:
            break
    assert (status, body) == (400, {"error": "the clock cannot be moved past the year 9000"})
    assert (await admin("GET", "clock"))[0] == 200


async def test_scenarios_show_paths_relative_to_their_root(client: Client, admin: Admin) -> None:
    status, body = await admin("GET", "scenarios")
    assert status == 200
    root = client.app[keys.SCENARIOS].path
    assert str(root.parent) not in json.dumps(body)
    assert body["path"] == root.name
    assert body["files"] and all(not f.startswith("/") for f in body["files"])
    assert all(s["source"].split(":")[0] in body["files"] for s in body["scenarios"])
