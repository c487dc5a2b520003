"""Japan's, South Korea's and Taiwan's per-IP daily pay-in limits, an opt-in setting: "Each IP is
limited to 10 transactions per day, with a maximum of 3 successful transactions"
(https://docs.vexora.com/guide/areas/Japan/paymentCasher/,
https://docs.vexora.com/guide/areas/SouthKorea/checkout/,
https://docs.vexora.com/guide/areas/taiwan/checkout)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.conftest import TEST_SCENARIOS
from tests.payins.conftest import payin_body
from vexora_sandbox import SandboxConfig

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]
Advance = Callable[[float], Awaitable[int]]


def body(area: str, number: int, ip: str = "203.0.113.7") -> dict[str, Any]:
    # Ending 915: the pay-in stays in progress (no payer), so only the count limit applies.
    return payin_body(area, tradeNo=f"P{number}", ipAddress=ip, ending="915")


class TestOn:
    @pytest.fixture
    def config(self) -> SandboxConfig:
        return SandboxConfig(scenarios=TEST_SCENARIOS, ip_daily_limits=True)

    @pytest.mark.parametrize("area", ["japan", "korea", "taiwan"])
    async def test_the_eleventh_pay_in_of_an_ip_in_a_day_is_refused(
        self, gateway: Gateway, advance: Advance, area: str
    ) -> None:
        for number in range(10):
            _, answer = await gateway("checkout", body(area, number), prefix=f"/{area}")
            assert answer["code"] == "0000", (number, answer)
        _, answer = await gateway("checkout", body(area, 10), prefix=f"/{area}")
        assert answer["code"] == "8000"
        assert answer["msg"].startswith("ipAddress 203.0.113.7 has made 10 pay-ins today (the ")
        assert answer["msg"].endswith(
            "pages: each IP is limited to 10 transactions per day, "
            "with a maximum of 3 successful transactions)"
        )
        # Another IP is not limited, and the next local day the IP starts again.
        _, answer = await gateway("checkout", body(area, 11, "203.0.113.8"), prefix=f"/{area}")
        assert answer["code"] == "0000"
        await advance(86400)
        _, answer = await gateway("checkout", body(area, 12), prefix=f"/{area}")
        assert answer["code"] == "0000", answer

    async def test_three_successful_pay_ins_end_the_ips_day(
        self, gateway: Gateway, advance: Advance
    ) -> None:
        for number in range(3):
            paid = payin_body("japan", tradeNo=f"S{number}", ipAddress="203.0.113.7")
            _, answer = await gateway("checkout", paid, prefix="/japan")
            assert answer["code"] == "0000", answer
        await advance(2)  # the default scenario pays each after 2 s
        _, answer = await gateway("checkout", body("japan", 3), prefix="/japan")
        assert answer["msg"].startswith("ipAddress 203.0.113.7 has 3 successful pay-ins today")


async def test_off_by_default(gateway: Gateway) -> None:
    for number in range(12):
        _, answer = await gateway("checkout", body("japan", number), prefix="/japan")
        assert answer["code"] == "0000", (number, answer)
