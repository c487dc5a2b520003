"""One home for each setting's names: serve's flags and every variable come from config.py."""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import pytest

from vexora_sandbox.cli import build_parser, main
from vexora_sandbox.config import CLIENT_VARIABLES, CONFIG_FILE, SETTINGS, Setting

PACKAGE = Path(__file__).parents[2] / "vexora_sandbox"
VARIABLE = re.compile(r"VEXORA_SANDBOX_[A-Z_]+")


def serve_help() -> str:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    serve: argparse.ArgumentParser = sub.choices["serve"]
    return serve.format_help()


@pytest.mark.parametrize("setting", (CONFIG_FILE, *SETTINGS), ids=lambda s: s.name)
def test_every_setting_has_a_serve_flag_naming_its_variable(setting: Setting) -> None:
    text = " ".join(serve_help().split())
    assert f"{setting.flag} " in text
    assert f"({setting.env}" in text


def test_a_bad_flag_value_names_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--callback-timeout", "0"]) == 2
    assert capsys.readouterr().err == (
        "vexora-sandbox: configuration error:\n"
        "  --callback-timeout: must be a positive number; got '0'\n"
    )


def _code_strings(path: Path) -> list[str]:
    """The string constants of a module that are not docstrings."""
    tree = ast.parse(path.read_text("utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


# Beside config.py, only the console's colours read the environment, for the terminal's own
# convention (NO_COLOR), never a VEXORA_SANDBOX_* variable.
READ_THE_TERMINAL = {"console.py", "commands/listen.py"}


def test_only_config_names_variables_and_reads_the_environment() -> None:
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        if module == "config.py":
            continue
        source = path.read_text("utf-8")
        spelled = [s for s in _code_strings(path) if VARIABLE.search(s)]
        reads = "os.environ" in source or "getenv" in source
        if spelled or (reads and module not in READ_THE_TERMINAL):
            offenders[module] = spelled
    assert offenders == {}, "use config.SETTINGS, CONFIG_FILE or CLIENT"


def test_the_client_variables_are_documented() -> None:
    doc = (PACKAGE.parent / "docs" / "configuration.md").read_text("utf-8")
    for variable in CLIENT_VARIABLES:
        assert f"`{variable.env}`" in doc
