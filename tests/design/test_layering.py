"""The import layers docs/design.md draws, enforced: a change that crosses one fails here."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "vexora_sandbox"


def _imports(folder: str) -> dict[str, set[str]]:
    """Each module of ``folder`` and the vexora_sandbox modules it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[str(path.relative_to(PACKAGE))] = names
    return found


def test_the_domain_imports_no_aiohttp_and_nothing_above_it() -> None:
    above = ("aiohttp", "vexora_sandbox.api", "vexora_sandbox.admin", "vexora_sandbox.callbacks")
    crossing = {
        module: sorted(n for n in names if n.startswith(above))
        for module, names in _imports("domain").items()
        if any(n.startswith(above) for n in names)
    }
    assert crossing == {}


def test_the_gateway_api_never_imports_the_admin_api() -> None:
    crossing = {
        module: sorted(n for n in names if n.startswith("vexora_sandbox.admin"))
        for module, names in _imports("api").items()
        if any(n.startswith("vexora_sandbox.admin") for n in names)
    }
    assert crossing == {}


def test_importing_the_domain_loads_no_aiohttp() -> None:
    code = (
        "import sys, vexora_sandbox.domain.payments, vexora_sandbox.protocol.wire; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'aiohttp'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
