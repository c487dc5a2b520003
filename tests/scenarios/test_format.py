"""The scenario format has one definition (scenarios/format.py): the loader's keys come from
it, and the committed schema.json and the guide's key tables are generated from it.

After changing format.py: ``python -m vexora_sandbox.scenarios.format docs/scenarios.md``.
"""

from __future__ import annotations

from pathlib import Path

from vexora_sandbox.scenarios import format as fmt
from vexora_sandbox.scenarios import loader

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"
REGENERATE = "run: python -m vexora_sandbox.scenarios.format docs/scenarios.md"


def test_the_committed_schema_is_generated_from_the_format() -> None:
    assert fmt.SCHEMA_FILE.read_text(encoding="utf-8") == fmt.schema_text(), REGENERATE


def test_the_guide_tables_are_generated_from_the_format() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for name in fmt.TABLES:
        assert f"<!-- format:{name} -->" in text
    assert text == fmt.with_tables(text), REGENERATE


def test_the_loader_takes_its_keys_from_the_format() -> None:
    assert loader.CALLBACK_KEYS == ("after", "status", "message", "amount", "sign", "repeat")
    assert fmt.names(fmt.MATCH) == loader.MATCH_KEYS
    assert fmt.names(fmt.CONDITION) == loader.CONDITION_KEYS


def test_a_table_row_per_key_with_its_text() -> None:
    rows = fmt.table("callbacks").splitlines()
    assert rows[0] == "| key | default | effect |"
    assert rows[2].startswith("| `after` | required | when it falls due")
    assert len(rows) == 2 + len(fmt.CALLBACK)
