"""The signature test vectors of the gateway's docs, shared by the tests that pin them.

The docs' own example disbursement (amount "100.00", a 12-digit mobile), a body with a
numeric timestamp and an empty remark (NUMBER_TIMESTAMP_RAW, bytes: numbers are signed by
their literal text), a callback, and a timestamp-only body with another secret.
"""

from __future__ import annotations

DOCS_EXAMPLE = {
    "tradeNo": "VX20260331008901",
    "amount": "100.00",
    "accountNo": "880123456789012345",
    "mobile": "081234567890",
    "email": "rizky.pratama@example.com",
    "firstname": "Rizky",
    "lastname": "Pratama",
    "notifyUrl": "https://api.merchant.com/vexora/collection/notify",
    "timestamp": "1719876543210",
}
DOCS_EXAMPLE_BASE = (
    "accountNo=880123456789012345amount=100.00email=rizky.pratama@example.com"
    "firstname=Rizkylastname=Pratamamobile=081234567890"
    "notifyUrl=https://api.merchant.com/vexora/collection/notify"
    "timestamp=1719876543210tradeNo=VX20260331008901"
)
DOCS_EXAMPLE_SIGN = "1cf0e12b56fd8098d9238ef96d0ca5db"

NUMBER_TIMESTAMP_RAW = (
    b'{"amount":"250","mobile":"0912345678","email":"ana.garcia@example.com",'
    b'"accountNo":"0000003100012345678901","firstname":"Ana","lastname":"Garc\xc3\xada",'
    b'"tradeNo":"T20261124000001","notifyUrl":"http://127.0.0.1:9000/notify","remark":"",'
    b'"timestamp":1764000000000}'
)
NUMBER_TIMESTAMP_BASE = (
    "accountNo=0000003100012345678901amount=250email=ana.garcia@example.com"
    "firstname=Analastname=Garcíamobile=0912345678notifyUrl=http://127.0.0.1:9000/notify"
    "timestamp=1764000000000tradeNo=T20261124000001"
)
NUMBER_TIMESTAMP_SIGN = "a16bef2fbfbf40ac82baa0d6ea4dfa63"

CALLBACK = {
    "platFormTradeNo": "VXP0000000001",
    "tradeNo": "T20261124000001",
    "amount": "250",
    "status": "0000",
    "message": "SUCCESS",
    "successTime": "2026-11-24 10:00:02",
    "timestamp": "1764000002000",
    "remark": "order-42",
}
CALLBACK_BASE = (
    "amount=250message=SUCCESSplatFormTradeNo=VXP0000000001remark=order-42status=0000"
    "successTime=2026-11-24 10:00:02timestamp=1764000002000tradeNo=T20261124000001"
)
CALLBACK_SIGN = "83781c928ee6c94557d793e9715fe3e0"

# The four signature test vectors: (body, secret, canonical string, sign).
DOCS_EXAMPLE_VECTOR = (DOCS_EXAMPLE, "sandbox-secret", DOCS_EXAMPLE_BASE, DOCS_EXAMPLE_SIGN)
CALLBACK_VECTOR = (CALLBACK, "sandbox-secret", CALLBACK_BASE, CALLBACK_SIGN)
TIMESTAMP_ONLY_VECTOR = (
    {"timestamp": "1724151084278"},
    "test_secret_123",
    "timestamp=1724151084278",
    "e2b46cbd8fd166ccc456043b51c537be",
)
