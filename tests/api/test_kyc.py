"""kycApplyFor: Japan's multipart application with files, signed over its form fields only
(https://docs.vexora.com/guide/areas/Japan/kyc/, /kyc2/)."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import MERCHANT_NO, SECRET
from vexora_sandbox import sign

Client = TestClient[web.Request, web.Application]
PATH = "/japan/v1/vexora/kycApplyFor"
# The KYC 2.0 page's curl example (its sign re-made with the sandbox's secret).
FIELDS = {
    "userId": "abc_100008",
    "callBackUrl": "https://merchant.example.com/api/kyc/callback",
    "usernameFurigana": "テスト014",
    "timestamp": "1774925553256",
}


def form(fields: dict[str, str], *, photo: bytes = b"\x89PNG fake image") -> aiohttp.FormData:
    data = aiohttp.FormData()
    for name, value in fields.items():
        data.add_field(name, value)
    data.add_field("idCardFront", photo, filename="front.png", content_type="image/png")
    return data


async def apply(client: Client, fields: dict[str, str], **kw: Any) -> dict[str, Any]:
    response = await client.post(PATH, data=form(fields, **kw), headers={"merchantNo": MERCHANT_NO})
    assert response.status == 200
    answer: dict[str, Any] = await response.json()
    return answer


async def test_a_multipart_application_signed_over_its_fields_is_taken(client: Client) -> None:
    answer = await apply(client, {**FIELDS, "sign": sign(FIELDS, SECRET)})
    assert (answer["code"], answer["msg"], answer["success"]) == ("0000", "success", True)
    data = answer["data"]
    assert set(data) == {"kycNumber", "authenticationStatus", "message", "authenticationUrl"}
    assert data["authenticationStatus"] == "0"
    assert len(data["kycNumber"]) == 16
    # The file's content is not signed: another file, the same sign, the same user.
    again = await apply(client, {**FIELDS, "sign": sign(FIELDS, SECRET)}, photo=b"other")
    assert again["data"]["kycNumber"] == data["kycNumber"]
    journal = await (await client.get("/_sandbox/requests")).json()
    entry = journal["requests"][-1]
    assert entry["files"] == {"idCardFront": "front.png (5 bytes)"}
    assert entry["body"]["usernameFurigana"] == "テスト014"


async def test_a_sign_over_the_file_too_is_refused(client: Client) -> None:
    answer = await apply(client, {**FIELDS, "sign": sign({**FIELDS, "idCardFront": "x"}, SECRET)})
    assert answer["msg"].startswith("sign error: sign does not match")


async def test_a_missing_field_is_named(client: Client) -> None:
    fields = {k: v for k, v in FIELDS.items() if k != "callBackUrl"}
    answer = await apply(client, {**fields, "sign": sign(fields, SECRET)})
    assert (answer["code"], answer["msg"]) == ("8000", "callBackUrl is required but missing")


async def test_a_field_sent_twice_is_refused(client: Client) -> None:
    data = form({**FIELDS, "sign": sign(FIELDS, SECRET)})
    data.add_field("userId", "again")
    response = await client.post(PATH, data=data, headers={"merchantNo": MERCHANT_NO})
    answer = await response.json()
    assert answer["msg"] == "request body has the field 'userId' more than once"


async def test_a_json_application_is_taken_too(client: Client) -> None:
    body = {**FIELDS, "sign": sign(FIELDS, SECRET)}
    response = await client.post(PATH, json=body, headers={"merchantNo": MERCHANT_NO})
    assert (await response.json())["data"]["authenticationStatus"] == "0"


async def test_an_area_without_kyc_says_so(client: Client) -> None:
    body = {**FIELDS, "sign": sign(FIELDS, SECRET)}
    response = await client.post(
        "/kenya/v1/vexora/kycApplyFor", json=body, headers={"merchantNo": MERCHANT_NO}
    )
    assert response.status == 404
    assert (await response.json())["msg"] == "the kenya area does not offer kycApplyFor"


# Australia's kyc page (https://docs.vexora.com/guide/areas/Australia/kyc/): JSON, its
# request example as printed (its sign re-made with the sandbox's secret).
AUSTRALIA = {
    "timestamp": "1732988442913",
    "userId": "jack001",
    "callBackUrl": "https://xxxxxx/xx/xxx",
}


async def test_australias_json_application_gets_the_pages_answer(client: Client) -> None:
    body = {**AUSTRALIA, "sign": sign(AUSTRALIA, SECRET)}
    response = await client.post(
        "/australia/v1/vexora/kycApplyFor", json=body, headers={"merchantNo": MERCHANT_NO}
    )
    assert response.status == 200
    answer = await response.json()
    assert (answer["code"], answer["msg"], answer["success"]) == ("0000", "success", True)
    assert isinstance(answer["timestamp"], int)
    data = answer["data"]
    # The page's table: kycNumber, authenticationStatus (0 pending certification),
    # message, authenticationUrl; its example: "kycNumber": "79x7p10nh4xd121m".
    assert list(data) == ["kycNumber", "authenticationStatus", "message", "authenticationUrl"]
    assert len(data["kycNumber"]) == 16 and data["kycNumber"].isalnum()
    assert (data["authenticationStatus"], data["message"], data["authenticationUrl"]) == (
        "0",
        "Pending certification",
        "",
    )


async def test_australias_application_needs_its_callback_url(client: Client) -> None:
    fields = {k: v for k, v in AUSTRALIA.items() if k != "callBackUrl"}
    response = await client.post(
        "/australia/v1/vexora/kycApplyFor",
        json={**fields, "sign": sign(fields, SECRET)},
        headers={"merchantNo": MERCHANT_NO},
    )
    answer = await response.json()
    assert (answer["code"], answer["msg"]) == ("8000", "callBackUrl is required but missing")
