"""Each gateway page's own request example passes its endpoint's rules, and the sandbox takes it.

``tests/data/page_examples/<area>.yaml`` holds the bodies as the area's docs pages print
them, each with its page's URL. Where a page's example breaks that page's own rules, the
file holds the corrected body, says what was corrected (``corrected``) and how the page
printed the fields (``printed``, ``~`` for a field the page left out): the printed body must
get exactly the message the file names (``printed_refused_with``), so a correction stays only
while the rules still need it. The areas here: kenya, malaysia, myanmar, nigeria, pakistan,
philippines, thailand, vietnam, australia (the corrections are listed per area in
``docs/areas/<area>.md``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient

from vexora_sandbox import SandboxConfig, create_app, sign
from vexora_sandbox.protocol.jsonbody import Body, JsonNumber
from vexora_sandbox.protocol.rules import Area, EndpointRules, load_areas

# aiohttp's once-per-process warning about plain-string request keys would turn the first
# call of a run into an HTTP 500 under -W error; tests/api/test_disbursements.py pins it.
pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web_exceptions.NotAppKeyWarning")

EXAMPLES_DIR = Path(__file__).parent.parent / "data" / "page_examples"
AREAS_HERE = (
    "australia",
    "kenya",
    "malaysia",
    "myanmar",
    "nigeria",
    "pakistan",
    "philippines",
    "thailand",
    "vietnam",
)
CREATE_ENDPOINTS = ("disbursements", "checkout", "deposits")
MERCHANT_NO = "0000000001"
SECRET = "sandbox-secret"
AREAS: dict[str, Area] = load_areas()

Client = TestClient[web.Request, web.Application]


@dataclass(frozen=True)
class PageExample:
    area: str
    index: int
    endpoint: str
    page: str
    body: dict[str, Any]
    printed: dict[str, Any] | None
    printed_refused_with: str | None

    @property
    def id(self) -> str:
        return f"{self.area}-{self.endpoint}-{self.index}"

    def rules(self) -> EndpointRules:
        rules = AREAS[self.area].rules_for(self.endpoint)
        assert rules is not None, f"{self.area} has no {self.endpoint}"
        return rules

    def printed_body(self) -> dict[str, Any]:
        """The body as the page printed it: the corrected one with the printed fields back."""
        assert self.printed is not None
        body = dict(self.body)
        for name, value in self.printed.items():
            if value is None:
                body.pop(name, None)
            else:
                body[name] = value
        return body


def as_body(raw: dict[str, Any]) -> Body:
    """A YAML mapping as the gateway would parse the JSON: numbers keep their digits."""
    body: Body = {}
    for name, value in raw.items():
        if isinstance(value, bool) or value is None or isinstance(value, str):
            body[name] = value
        elif isinstance(value, int):
            body[name] = JsonNumber(str(value))
        else:  # a float's digits would not survive YAML: the files write no floats
            raise AssertionError(f"{name}: write {value!r} as an integer or a string")
    return body


def load_examples() -> list[PageExample]:
    found = []
    for area in AREAS_HERE:
        data = yaml.safe_load((EXAMPLES_DIR / f"{area}.yaml").read_text("utf-8"))
        assert data["area"] == area
        for index, raw in enumerate(data["examples"]):
            found.append(
                PageExample(
                    area=area,
                    index=index,
                    endpoint=raw["endpoint"],
                    page=raw["page"],
                    body=raw["body"],
                    printed=raw.get("printed"),
                    printed_refused_with=raw.get("printed_refused_with"),
                )
            )
    return found


EXAMPLES = load_examples()
CORRECTED = [example for example in EXAMPLES if example.printed is not None]
CREATES = [example for example in EXAMPLES if example.endpoint in CREATE_ENDPOINTS]


def test_every_example_names_its_page() -> None:
    assert {example.area for example in EXAMPLES} == set(AREAS_HERE)
    for example in EXAMPLES:
        assert example.page.startswith("https://docs.vexora.com/guide/areas/"), example.id
        # An endpoint an area file defines names the page it follows: the same page.
        if example.endpoint in CREATE_ENDPOINTS:
            assert example.rules().docs == example.page, example.id
        # Each correction says what it corrected and how the page's body is answered.
        assert (example.printed is None) is (example.printed_refused_with is None), example.id


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_the_page_example_passes_its_rules(example: PageExample) -> None:
    assert example.rules().errors(as_body(example.body), "strict") == []


@pytest.mark.parametrize("example", CORRECTED, ids=lambda e: e.id)
def test_a_corrected_example_as_printed_is_refused(example: PageExample) -> None:
    errors = example.rules().errors(as_body(example.printed_body()), "strict")
    assert errors[:1] == [example.printed_refused_with]


@pytest.fixture
async def sandbox(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
) -> Client:
    return await aiohttp_client(create_app(SandboxConfig()))


@pytest.mark.parametrize("example", CREATES, ids=lambda e: e.id)
async def test_the_page_example_is_accepted_over_http(
    sandbox: Client, example: PageExample
) -> None:
    # The pages' "sign" values are placeholders: a merchant signs with their own secret.
    body = {name: value for name, value in example.body.items() if name != "sign"}
    body["sign"] = sign(as_body(body), SECRET)
    response = await sandbox.post(
        f"/{example.area}/v1/vexora/{example.endpoint}",
        json=body,
        headers={"merchantNo": MERCHANT_NO},
    )
    assert response.status == 200
    answer = await response.json()
    assert (answer["code"], answer["msg"], answer["success"]) == ("0000", "success", True)
    assert answer["data"]["tradeNo"] == body["tradeNo"]
