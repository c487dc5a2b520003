"""A runtime merchant whose area the configuration no longer has stops the start.

Found from outside: a merchant created over the admin API in an area of ``--areas-dir``
came back after a restart without that directory, and every call of it answered 404
"unknown area 'shop' in the URL", which names neither the merchant nor the fix. Like a
configured merchant of an unknown area, the start now stops (exit 2) and says what to do.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import pytest

from vexora_sandbox.cli import main
from vexora_sandbox.protocol.rules import AREAS_PACKAGE
from vexora_sandbox.testing import SandboxServer

NUMBER = "4000000001"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("VEXORA_SANDBOX_"):
            monkeypatch.delenv(name)


@pytest.fixture
def areas(tmp_path: Path) -> Path:
    """A directory with one extra area, ``shop`` (the rules of indonesia)."""
    directory = tmp_path / "areas"
    directory.mkdir()
    shipped = resources.files(AREAS_PACKAGE).joinpath("indonesia.yaml").read_text("utf-8")
    shop = shipped.replace("area: indonesia\n", "area: shop\n", 1)
    assert shop != shipped
    (directory / "shop.yaml").write_text(shop, encoding="utf-8")
    return directory


def problem(source: str) -> str:
    return (
        "vexora-sandbox: configuration error:\n"
        f"  {source}: runtime merchant {NUMBER} (created with POST /_sandbox/merchants) is of "
        "area 'shop', which the configuration does not have; add the area back "
        f"(--areas-dir), then DELETE /_sandbox/merchants/{NUMBER} if it is no longer "
        "needed, or start with another --state file\n"
    )


def test_the_start_stops_and_names_the_merchant_and_the_area(
    state_file: str, areas: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SandboxServer(state=state_file, areas_dir=str(areas)) as sandbox:
        sandbox.admin.create_merchant(merchantNo=NUMBER, secret="s", area="shop")
        shop = sandbox.call("disbursements", {"tradeNo": "S1"}, merchant_no=NUMBER)
        assert shop["code"] == "8000"  # answered by the shop area's rules
    code = main(["serve", "--port", "0", "--state", state_file])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == problem(f"state file {state_file}")


def test_with_the_area_back_it_starts_and_the_merchant_can_go(state_file: str, areas: Path) -> None:
    with SandboxServer(state=state_file, areas_dir=str(areas)) as sandbox:
        sandbox.admin.create_merchant(merchantNo=NUMBER, secret="s", area="shop")
    with SandboxServer(state=state_file, areas_dir=str(areas)) as sandbox:
        assert sandbox.admin.request("GET", f"merchants/{NUMBER}")["area"] == "shop"
        sandbox.admin.delete_merchant(NUMBER)
    with SandboxServer(state=state_file) as sandbox:  # the area gone too: a clean start
        assert sandbox.admin.health()["status"] == "ok"


def test_an_import_of_such_a_merchant_is_refused_too(
    state_file: str, areas: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SandboxServer(state=state_file, areas_dir=str(areas)) as sandbox:
        sandbox.admin.create_merchant(merchantNo=NUMBER, secret="s", area="shop")
    export = tmp_path / "export.jsonl"
    assert main(["state", "export", "--state", state_file, str(export)]) == 0
    capsys.readouterr()
    fresh = tmp_path / "fresh.db"
    code = main(["state", "import", "--state", str(fresh), str(export)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == problem(str(export))
