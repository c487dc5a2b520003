"""``vexora-sandbox check PATH`` and ``serve`` with an invalid scenario set.

check reports every problem (file:line: key.path: message) and exits 2, or says how many
scenarios are valid and exits 0; serve refuses an invalid set with the same problems and
exit code 2, before it binds a port.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from vexora_sandbox.cli import main
from vexora_sandbox.scenarios.loader import load_scenarios
from vexora_sandbox.scenarios.registry import shipped_scenarios

# Listed by the loader in the order it reads keys (priority before response); reported in
# line order.
BROKEN = """\
- response: {fault: boom}
  name: a
  priority: high
- name: b
  colour: red
  callbacks:
    - {after: soon, status: "0000"}
"""


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("VEXORA_SANDBOX_"):
            monkeypatch.delenv(name)


def expected_problems(path: Path) -> list[str]:
    return [
        f"{path}:1: [0].response.fault: must be one of http_500, connection_reset, "
        "malformed_json, empty_body, timeout or null; got 'boom'",
        f"{path}:3: [0].priority: must be a whole number; got a string ('high')",
        f"{path}:5: [1].colour: unknown key 'colour'; expected one of name, description, "
        "priority, match, response, callbacks",
        f"{path}:7: [1].callbacks[0].after: must be a duration like 3s, 500ms, 2m or 1h; "
        "got 'soon'",
    ]


def test_check_a_valid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.yaml"
    path.write_text("- {name: only}\n")
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr() == (f"{path}: 1 scenario in 1 file, all valid\n", "")


def test_check_a_valid_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.yaml").write_text("- {name: a}\n- {name: b}\n")
    (tmp_path / "b.yml").write_text("- {name: c}\n")
    assert main(["check", str(tmp_path)]) == 0
    assert capsys.readouterr() == (f"{tmp_path}: 3 scenarios in 2 files, all valid\n", "")


def test_check_without_a_path_checks_the_shipped_set(capsys: pytest.CaptureFixture[str]) -> None:
    shipped = load_scenarios(shipped_scenarios())
    assert main(["check"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out == (
        f"{shipped_scenarios()}: {len(shipped.scenarios)} scenarios in "
        f"{len(shipped.files)} files, all valid\n"
    )


def test_check_the_shipped_directory_by_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(shipped_scenarios())]) == 0
    assert capsys.readouterr().out.endswith(" files, all valid\n")


def test_check_reports_every_problem_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    assert main(["check", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{path}: 4 problems:\n" + "".join(f"  {p}\n" for p in expected_problems(path))


def test_check_reports_problems_in_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.yaml").write_text("- {name: a, priority: x}\n")
    (tmp_path / "b.yaml").write_text("- {name: a}\n")
    (tmp_path / "c.yaml").write_text("- {name: c}\n")
    assert main(["check", str(tmp_path)]) == 2
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert capsys.readouterr() == (
        "",
        f"{tmp_path}: 2 problems:\n"
        f"  {a}:1: [0].priority: must be a whole number; got a string ('x')\n"
        f"  {b}:1: name: scenario name 'a' is used twice (first at {a}:1)\n",
    )


def test_check_a_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nope"
    assert main(["check", str(path)]) == 2
    assert capsys.readouterr() == ("", f"{path}: 1 problem:\n  {path}: no such file or directory\n")


def test_check_invalid_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("- name: a\n  match: {body: [\n")
    assert main(["check", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"{path}: 1 problem:\n  {path}:3: invalid YAML: did not find expected node content\n"
    )


def test_serve_refuses_an_invalid_set_with_the_same_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    assert main(["serve", "--scenarios", str(path), "--port", "0"]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # it never got as far as "serving on"
    assert err == "vexora-sandbox: configuration error:\n" + "".join(
        f"  {p}\n" for p in expected_problems(path)
    )


def test_serve_refuses_a_missing_scenarios_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nope.yaml"
    assert main(["serve", "--scenarios", str(path), "--port", "0"]) == 2
    assert capsys.readouterr() == (
        "",
        f"vexora-sandbox: configuration error:\n  {path}: no such file or directory\n",
    )


def test_serve_reads_the_scenarios_path_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(textwrap.dedent("- {name: a, priority: x}\n"))
    monkeypatch.setenv("VEXORA_SANDBOX_SCENARIOS", str(path))
    assert main(["serve", "--port", "0"]) == 2
    assert capsys.readouterr().err == (
        "vexora-sandbox: configuration error:\n"
        f"  {path}:1: [0].priority: must be a whole number; got a string ('x')\n"
    )
