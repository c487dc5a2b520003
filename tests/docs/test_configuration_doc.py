"""docs/configuration.md lists every setting the code knows, under its real names."""

from __future__ import annotations

from pathlib import Path

import pytest

from vexora_sandbox.config import SETTINGS, Setting

DOC = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text("utf-8")


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented_with_its_file_key_and_variable(setting: Setting) -> None:
    assert f"| `{setting.file_key}` | `{setting.env}` |" in DOC
