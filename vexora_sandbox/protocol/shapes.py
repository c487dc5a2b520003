"""What differs, area by area, in the answers the gateway builds (not in what it accepts).

One table keyed by area name, read by ``protocol.wire``: the time zone of ``successTime``,
the query answers' amount fields and their JSON types, and the balance's types. Each row
names the pages it follows (https://docs.vexora.com/guide/areas/<area>/<page>/); an area
without a row (or a field a row leaves out) gets :data:`GENERIC`. Field rules stay in the
area files; this is the answers' side, kept as data in one place (docs/flows.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# queryPayInResult's amount fields:
#   amount     "amount": the paid part after a partial payment, else the order's amount
#   mexico     "amount" the order's, "receivedAmount" the first payment, "paymentList"
#   order-pay  "orderAmount" the order's, "payAmount" the first payment
PayinAmounts = Literal["amount", "mexico", "order-pay"]
# queryPayOutResult's: "amount", or "orderAmount" + "payAmount".
PayoutAmounts = Literal["amount", "order-pay"]


@dataclass(frozen=True, slots=True)
class Shapes:
    """How one area's answers look.

    ``*_places``: None sends an amount as a string (the text the merchant sent); a number
    sends it as a JSON number with that many decimals (``-1``: as many as the merchant
    sent). ``success_time_on_failure``: the query page's example shows ``successTime`` on
    a failed order (the time it became final).
    """

    zone: str = "UTC"
    payin_amounts: PayinAmounts = "amount"
    payin_places: tuple[int, int] | None = None  # (order amount, paid amount)
    payout_amounts: PayoutAmounts = "amount"
    payout_places: int | None = None
    success_time_on_failure: bool = False
    balance_places: int | None = None
    # Endpoints whose answer carries ``serialNumber`` ("Result ID returned by vexora,
    # unique") besides ``deposits``, which always does.
    serial_number: tuple[str, ...] = ()
    # Pay-ins per payer ipAddress and local day: (all, successful); None: no limit.
    ip_daily_limit: tuple[int, int] | None = None
    # Card payments: a deposit answers ``paymentInfo`` only when the payer must verify
    # (3DS, OTP) on the page it points at; other areas' deposits always carry it.
    payer_verifies: bool = False
    # A paid pay-in takes more payments, each recorded in the query's answer (Mexico's
    # paymentList, Australia's paymentDetails); elsewhere a paid order takes none.
    repeat_payments: bool = False


GENERIC = Shapes()
# Amounts as JSON numbers with the merchant's own decimals.
AS_SENT = -1

SHAPES: dict[str, Shapes] = {
    # The default area follows argentina's pages.
    "default": Shapes(zone="America/Argentina/Buenos_Aires"),
    "argentina": Shapes(zone="America/Argentina/Buenos_Aires"),
    # payoutQuery: amount 3.0000 (a number) and successTime on a 00029 order; paymentQuery:
    # orderAmount / payAmount (float), paymentDetails for repeated payments.
    "australia": Shapes(
        zone="Australia/Sydney",
        payin_amounts="order-pay",
        payin_places=(AS_SENT, AS_SENT),
        payout_places=4,
        success_time_on_failure=True,
        repeat_payments=True,
    ),
    "bangladesh": Shapes(zone="Asia/Dhaka"),
    "brazil": Shapes(zone="America/Sao_Paulo"),
    # balance: availableAmount 9998989.1200 (JSON numbers, 4 decimals).
    "cambodia": Shapes(zone="Asia/Phnom_Penh", balance_places=4),
    "cambodia-usd": Shapes(zone="Asia/Phnom_Penh", balance_places=4),
    "chile": Shapes(zone="America/Santiago"),
    # paymentQuery: orderAmount 50002.0000, payAmount 50002.00 (numbers); payoutQuery:
    # orderAmount / payAmount (float); balance: strings.
    "colombia": Shapes(
        zone="America/Bogota",
        payin_amounts="order-pay",
        payin_places=(4, 2),
        payout_amounts="order-pay",
        payout_places=AS_SENT,
    ),
    "india": Shapes(zone="Asia/Kolkata"),
    # paymentQuery: orderAmount / payAmount (float); payoutQuery: orderAmount "300.00",
    # payAmount "200.00" (strings in its example).
    "indonesia": Shapes(
        zone="Asia/Jakarta",
        payin_amounts="order-pay",
        payin_places=(AS_SENT, AS_SENT),
        payout_amounts="order-pay",
    ),
    # payment / paymentCasher: "Each IP can initiate up to 10 transactions per day, with a
    # maximum of 3 successful transactions."
    "japan": Shapes(zone="Asia/Tokyo", ip_daily_limit=(10, 3)),
    # payment2 (Direct Deposit): "When 3DS, OTP, or bank verification is required, the
    # system returns paymentInfo".
    "card": Shapes(zone="Asia/Tokyo", payer_verifies=True),
    # (sandbox choice) no page gives the Visa / Mastercard checkout a time zone: UTC.
    "card-usd": Shapes(payer_verifies=True),
    # payout and paymentCasher answers: data.serialNumber.
    "kenya": Shapes(zone="Africa/Nairobi", serial_number=("disbursements", "checkout")),
    # payoutQuery: orderAmount / payAmount (float).
    # checkout / paymentPage: "Each IP is limited to 10 transactions per day, with a
    # maximum of 3 successful transactions."
    "korea": Shapes(
        zone="Asia/Seoul",
        payout_amounts="order-pay",
        payout_places=AS_SENT,
        ip_daily_limit=(10, 3),
    ),
    "malaysia": Shapes(zone="Asia/Kuala_Lumpur"),
    # paymentQuery: amount is the order's, receivedAmount the first payment, paymentList
    # ("Each successful or attempted payment generates a separate record").
    "mexico": Shapes(zone="America/Mexico_City", payin_amounts="mexico", repeat_payments=True),
    "myanmar": Shapes(zone="Asia/Yangon"),
    "nigeria": Shapes(zone="Africa/Lagos"),
    "pakistan": Shapes(zone="Asia/Karachi"),
    "peru": Shapes(zone="America/Lima"),
    "philippines": Shapes(zone="Asia/Manila"),
    # checkout: "Each IP is limited to 10 transactions per day, with a maximum of 3
    # successful transactions."
    "taiwan": Shapes(zone="Asia/Taipei", ip_daily_limit=(10, 3)),
    # balance: availableAmount 9998989.1200 (JSON numbers, 4 decimals).
    "thailand": Shapes(zone="Asia/Bangkok", balance_places=4),
    # payoutQuery: successTime "when available" (its example shows it on a 0015 order).
    "vietnam": Shapes(zone="Asia/Ho_Chi_Minh", success_time_on_failure=True),
}

# Whole-hour offsets for a machine without the tz database (a slim container): the zones
# above that keep no daylight saving time; the others get their standard offset.
_FALLBACK_HOURS = {
    "America/Argentina/Buenos_Aires": -3,
    "Australia/Sydney": 10,
    "Asia/Dhaka": 6,
    "America/Sao_Paulo": -3,
    "Asia/Phnom_Penh": 7,
    "America/Santiago": -4,
    "America/Bogota": -5,
    "Asia/Kolkata": 5.5,
    "Asia/Jakarta": 7,
    "Asia/Tokyo": 9,
    "Africa/Nairobi": 3,
    "Asia/Seoul": 9,
    "Asia/Kuala_Lumpur": 8,
    "America/Mexico_City": -6,
    "Asia/Yangon": 6.5,
    "Africa/Lagos": 1,
    "Asia/Karachi": 5,
    "America/Lima": -5,
    "Asia/Manila": 8,
    "Asia/Taipei": 8,
    "Asia/Bangkok": 7,
    "Asia/Ho_Chi_Minh": 7,
}


def shapes_for(area: str) -> Shapes:
    return SHAPES.get(area, GENERIC)


@cache
def _zone(name: str) -> timezone | ZoneInfo:
    if name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone(timedelta(hours=_FALLBACK_HOURS.get(name, 0)))


def local_time(seconds: float, area: str) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in the area's local time, as the query pages show it."""
    return datetime.fromtimestamp(seconds, _zone(shapes_for(area).zone)).strftime(
        "%Y-%m-%d %H:%M:%S"
    )


def repeat_areas() -> list[str]:
    """The areas whose paid pay-ins take repeated payments."""
    return sorted(name for name, shapes in SHAPES.items() if shapes.repeat_payments)
