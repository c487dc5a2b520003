"""The gateway's names that several modules share: its endpoints and its answer codes.

One home for each: the router, the scenario loader and its JSON Schema, the area files'
loader and the envelope all read them from here.
"""

from __future__ import annotations

import enum


class Endpoint(enum.StrEnum):
    """Every endpoint the sandbox serves, spelled as in the URL ``/v1/vexora/<endpoint>``.

    Bangladesh calls the P2P submit ``payinSubmit`` and Myanmar ``payInSubmit``
    (https://docs.vexora.com/guide/areas/bangladesh/paymentSubmit/,
    https://docs.vexora.com/guide/areas/myanmar/paymentSubmit/).
    """

    DISBURSEMENTS = "disbursements"
    CHECKOUT = "checkout"
    DEPOSITS = "deposits"
    PAYIN_SUBMIT = "payinSubmit"
    PAY_IN_SUBMIT = "payInSubmit"
    QUERY_PAYOUT = "queryPayOutResult"
    QUERY_PAYIN = "queryPayInResult"
    QUERY_BALANCE = "queryBalance"
    # KYC of a payer (Japan: multipart with files; Australia: JSON):
    # https://docs.vexora.com/guide/areas/Japan/kyc/
    KYC_APPLY_FOR = "kycApplyFor"


# The calls that create an order: the scenarios' default endpoints.
ORDER_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint.DISBURSEMENTS,
    Endpoint.CHECKOUT,
    Endpoint.DEPOSITS,
)
SUBMIT_ENDPOINTS: tuple[Endpoint, ...] = (Endpoint.PAYIN_SUBMIT, Endpoint.PAY_IN_SUBMIT)


class Code(enum.StrEnum):
    """The envelope's ``code`` (https://docs.vexora.com/guide/areas/ "API codes").

    It says only whether the request was accepted; the money outcome is ``data.status``.
    """

    OK = "0000"
    SYSTEM_EXCEPTION = "5000"
    REQUEST_FAILED = "8000"

    @property
    def default_msg(self) -> str:
        """The ``msg`` a scenario's answer carries when the scenario names none."""
        return _DEFAULT_MSGS[self]


_DEFAULT_MSGS = {
    Code.OK: "success",
    Code.SYSTEM_EXCEPTION: "system exception, please try again later",
    Code.REQUEST_FAILED: "request failed",
}
