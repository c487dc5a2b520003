"""A merchant's default notify URL in the config file (``notifyUrl``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vexora_sandbox.config import load_config
from vexora_sandbox.errors import ConfigError


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "sandbox.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_merchant_may_have_a_default_notify_url(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        'merchants:\n  - {merchantNo: "0000000001", secret: s, notifyUrl: "https://m.example/n"}\n'
        '  - {merchantNo: "0000000002", secret: s}\n',
    )
    merchants = load_config({}, {}, file).merchants
    assert [m.notify_url for m in merchants] == ["https://m.example/n", ""]


@pytest.mark.parametrize("value", ["ftp://m.example/n", "m.example/n", "5"])
def test_a_notify_url_that_is_no_http_url_is_refused(tmp_path: Path, value: str) -> None:
    file = write(
        tmp_path, f'merchants:\n  - {{merchantNo: "0000000001", secret: s, notifyUrl: {value}}}\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config({}, {}, file)
    assert "notifyUrl: must be an http(s) URL" in str(caught.value)
