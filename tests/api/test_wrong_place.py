"""A body that fails its area's rules but passes another area's: the 8000 message says
where it belongs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.conftest import payout_body
from tests.payins.conftest import payin_body

Gateway = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]

# https://docs.vexora.com/guide/areas/bangladesh/payout/: the page's example body.
BANGLADESH_PAYOUT = {
    "timestamp": "1728611780130",
    "tradeNo": "test_00000001",
    "amount": "300",
    "notifyUrl": "https://google.com",
    "wayCode": "BKASH",
    "walletId": "01123456789",
    "remark": "test",
}


async def test_a_bangladesh_payout_sent_to_the_default_area_is_told_where_to_go(
    gateway: Gateway,
) -> None:
    _, answer = await gateway("disbursements", BANGLADESH_PAYOUT)
    assert answer["code"] == "8000"
    assert answer["msg"] == (
        "accountNo is required but missing; this looks like a bangladesh payout: "
        "use /bangladesh/v1/vexora/disbursements, or set the merchant's area"
    )
    # At its own URL it is accepted.
    _, answer = await gateway("disbursements", BANGLADESH_PAYOUT, prefix="/bangladesh")
    assert answer["code"] == "0000", answer


async def test_a_default_payout_sent_to_kenya_is_told_where_to_go(gateway: Gateway) -> None:
    _, answer = await gateway("disbursements", payout_body(), prefix="/kenya")
    assert (
        answer["msg"].endswith(
            "this looks like a default payout: use /default/v1/vexora/disbursements, "
            "or set the merchant's area"
        )
        or "use /argentina/v1/vexora/disbursements" in answer["msg"]
    ), answer


async def test_a_deposit_body_of_another_area_is_told_too(gateway: Gateway) -> None:
    body = payin_body("indonesia", "deposits")
    _, answer = await gateway("deposits", body, prefix="/bangladesh")
    assert answer["code"] == "8000"
    assert "use /indonesia/v1/vexora/deposits, or set the merchant's area" in answer["msg"]


async def test_a_body_that_fits_nowhere_gets_no_hint(gateway: Gateway) -> None:
    _, answer = await gateway("disbursements", payout_body(tradeNo=...))
    assert answer["msg"] == "tradeNo is required but missing"
