"""The dashboard's "Advance clock" and ``POST /_sandbox/clock/advance`` keep one limit.

Found from outside: the button refused more than 400 days ("Advance by 0 to 400 days'
worth of seconds.") where the admin API takes ten years, and the button let the clock
run past the year 9000, which the admin API refuses.
"""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from tests.conftest import START
from tests.dashboard.conftest import UI, Client, csrf_of, page
from vexora_sandbox import keys
from vexora_sandbox.domain.clock import ManualClock

TEN_YEARS = 10 * 365 * 86400
START_MS = int(START * 1000)


async def _button(client: Client, seconds: str) -> str:
    """What the dashboard says after its "Advance clock" form is posted with ``seconds``."""
    csrf = csrf_of(await page(client, "/calls"))
    response = await client.post(
        f"{UI}/actions/advance", data={"csrf": csrf, "seconds": seconds}, allow_redirects=False
    )
    assert response.status == 303, await response.text()
    prefix = f"{UI}/calls?done="
    location = response.headers["Location"]
    assert location.startswith(prefix), location
    return unquote(location[len(prefix) :])


async def _api(client: Client, seconds: float) -> tuple[int, dict[str, object]]:
    response = await client.post("/_sandbox/clock/advance", json={"seconds": seconds})
    return response.status, await response.json()


async def _now(client: Client) -> int:
    answer = await (await client.get("/_sandbox/clock")).json()
    now: int = answer["now"]
    return now


async def test_both_advance_401_days(client: Client) -> None:
    days_401 = 401 * 86400
    assert (
        await _button(client, str(days_401))
        == f"Advanced {days_401} s; 0 callback attempt(s) made."
    )
    assert await _now(client) == START_MS + days_401 * 1000
    assert await _api(client, days_401) == (
        200,
        {"now": START_MS + 2 * days_401 * 1000, "callbackAttempts": 0},
    )


async def test_both_advance_exactly_ten_years(client: Client) -> None:
    said = await _button(client, str(TEN_YEARS))
    assert said == f"Advanced {TEN_YEARS} s; 0 callback attempt(s) made."
    status, _ = await _api(client, TEN_YEARS)
    assert status == 200
    assert await _now(client) == START_MS + 2 * TEN_YEARS * 1000


@pytest.mark.parametrize(
    ("typed", "sent", "error"),
    [
        (
            str(TEN_YEARS + 1),
            TEN_YEARS + 1,
            f"seconds must be at most {TEN_YEARS} (ten years) per advance; got {TEN_YEARS + 1}",
        ),
        (
            "1e300",
            1e300,
            f"seconds must be at most {TEN_YEARS} (ten years) per advance; got 1e+300",
        ),
        ("-1", -1, "seconds is required, as a non-negative number"),
    ],
)
async def test_both_refuse_with_the_same_message(
    client: Client, typed: str, sent: float, error: str
) -> None:
    assert await _button(client, typed) == error
    assert await _api(client, sent) == (400, {"error": error})
    assert await _now(client) == START_MS


@pytest.mark.parametrize("typed", ["nan", "inf", "-inf", "1e400", "soon", ""])
async def test_the_button_refuses_what_is_no_finite_number(client: Client, typed: str) -> None:
    assert await _button(client, typed) == "Give the seconds to advance as a number."
    assert await _now(client) == START_MS


async def test_both_stop_before_the_year_9000(client: Client) -> None:
    error = "the clock cannot be moved past the year 9000"
    year_9000 = 221845392.0  # 9000-01-01T00:00:00Z, in thousands of seconds
    clock = client.app[keys.CLOCK]
    assert isinstance(clock, ManualClock)
    clock.set(year_9000 * 1000 - 100)
    before = await _now(client)
    assert await _api(client, 101) == (400, {"error": error})
    assert await _button(client, "101") == error
    assert await _now(client) == before
    assert await _button(client, "100") == "Advanced 100 s; 0 callback attempt(s) made."
    assert await _now(client) == before + 100_000
