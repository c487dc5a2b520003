"""Every code block of README.md and docs/ is run or checked against the real code.

Blocks are found by their language tag (tests/docs/blocks.py), so a new page is covered
the day it lands:

- ``python``: run. A block with ``def test_`` is a pytest session of its own; any other
  is executed against a sandbox started for it (``127.0.0.1:8080`` replaced by its address),
  and each ``print(...)  # OUTPUT`` must print OUTPUT; a fragment finds ``sandbox`` (a
  SandboxServer on the manual clock), ``receiver`` (a CallbackReceiver) and ``Reply``.
  Blocks marked ``<!-- example: -->`` are projects of tests/examples/test_docs_pytest.py.
- ``sh`` and ``console``: each command is run or checked. ``vexora-sandbox`` arguments are
  parsed by the real parser (a renamed flag fails); ``curl`` requests are sent to the
  sandbox, which must know the route and method; ``console`` commands that need no running
  sandbox and no missing file (``sign``, ``check``, ``example`` with ``--seed`` and
  ``--timestamp``) run and must print what the block prints. ``docker`` (no engine on
  these machines: scripts/check-container.sh builds and runs the image in CI) has the
  command after the image parsed; the README's install commands are run by .ci/run, and
  ``pip`` or ``pytest`` anywhere else needs a mark.
- ``yaml``: loaded by what reads it: a config file by load_config, scenarios by the
  scenario loader, an area file (or its endpoints, laid over a shipped area) by the area
  loader, a GitHub workflow and a compose file
  validated against their schemas, a Prometheus scrape configuration's paths scraped.
- ``json``: parsed (a block showing one member, ``"key": value``, inside braces); a
  gateway answer has the gateway's envelope.
- ``js``: parsed as an ES module by ``node --check`` (Node is on the CI machine).
- Every ``VEXORA_SANDBOX_*`` name in any block is a variable the code reads.

A block that cannot run (a placeholder, an output) is marked ``<!-- illustrative: REASON
-->``; a block with no language tag is text (an output, a file tree) and holds no command.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import shlex
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.docs.blocks import ROOT, Block, blocks
from vexora_sandbox import CallbackReceiver, Reply, SandboxServer
from vexora_sandbox.cli import build_parser
from vexora_sandbox.config import CLIENT_VARIABLES, CONFIG_FILE, SETTINGS, load_config
from vexora_sandbox.errors import ConfigError

ALL = blocks()
PRINTED_HOSTS = ("http://127.0.0.1:8080", "http://localhost:8080", "localhost:8080")
VARIABLE = re.compile(r"VEXORA_SANDBOX_[A-Z][A-Z_]*[A-Z]")
KNOWN_VARIABLES = {s.env for s in (CONFIG_FILE, *SETTINGS)} | {c.env for c in CLIENT_VARIABLES}
COMMAND_WORDS = re.compile(
    r"\s*(\$ |curl |docker |pip |python3? -|vexora-sandbox (COMMAND|"
    + "|".join(
        name
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    )
    + r")\b)"
)
# Commands .ci/run runs itself: the README's first two blocks (scripts/newcomer.sh and the
# test step) and the container check. Anywhere else they need a mark.
RUN_BY_CI = {"python3", "pip", "pytest", "scripts/check-container.sh"}
CI_BLOCKS = {*(b.id for b in [b for b in ALL if b.path.name == "README.md"][:2])}
# Gateway envelope keys (https://docs.vexora.com/guide/response/).
# "sign" only with the sign_answers setting (docs/protocol.md "Signed answers").
ENVELOPE = {"msg", "code", "timestamp", "success", "data", "sign"}
SANDBOX_CLI = Path(sys.executable).parent / "vexora-sandbox"


def of(*langs: str) -> list[Block]:
    return [b for b in ALL if b.lang in langs and b.mark is None]


def ids(found: list[Block]) -> list[str]:
    return [b.id for b in found]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(time_scale=0.01) as server:
        yield server


def here(text: str, sandbox: SandboxServer) -> str:
    for printed in PRINTED_HOSTS:
        text = text.replace(printed, sandbox.url if printed.startswith("http") else sandbox.url[7:])
    return text


# --- the marks ---------------------------------------------------------------------------


def test_the_docs_have_blocks_of_every_kind() -> None:
    assert {"python", "sh", "console", "yaml", "json"} <= {b.lang for b in ALL}


def test_illustrative_marks_are_the_exception_and_give_a_reason() -> None:
    marked = [b for b in ALL if b.mark == "illustrative"]
    assert len(marked) <= max(3, len(ALL) // 10), ids(marked)
    for block in marked:
        assert len(block.note.split()) >= 3, f"{block.id}: say why it is not run"


def test_every_block_is_of_a_language_the_checkers_know() -> None:
    known = {"", "python", "sh", "console", "yaml", "json", "js"}
    other = [f"{b.id} ({b.lang})" for b in ALL if b.mark is None and b.lang not in known]
    assert other == [], "add a checker here, or mark the block illustrative"


@pytest.mark.parametrize("block", of(""), ids=ids(of("")))
def test_a_block_without_a_language_holds_no_command(block: Block) -> None:
    commands = [line for line in block.code.splitlines() if COMMAND_WORDS.match(line)]
    assert commands == [], f"{block.id}: tag the block (sh, console...) so that it is run"


def test_every_variable_a_block_names_exists() -> None:
    unknown = {b.id: sorted(set(VARIABLE.findall(b.code)) - KNOWN_VARIABLES) for b in ALL}
    assert {where: names for where, names in unknown.items() if names} == {}


# --- js ----------------------------------------------------------------------------------


@pytest.mark.parametrize("block", of("js"), ids=ids(of("js")))
def test_a_js_block_parses_as_a_module(block: Block, tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None, "Node.js is needed to check the docs' JavaScript (apt: nodejs)"
    source = tmp_path / "block.mjs"
    source.write_text(block.code, encoding="utf-8")
    done = subprocess.run([node, "--check", str(source)], capture_output=True, text=True)
    assert done.returncode == 0, f"{block.id}: {done.stderr}"


# --- json --------------------------------------------------------------------------------


@pytest.mark.parametrize("block", of("json"), ids=ids(of("json")))
def test_a_json_block_parses(block: Block) -> None:
    try:
        data = json.loads(block.code)
    except json.JSONDecodeError:
        data = json.loads("{" + block.code + "}")  # a member of an object: "notes": [...]
    if isinstance(data, dict) and {"code", "success"} <= set(data):
        assert set(data) <= ENVELOPE, f"{block.id}: not the gateway's envelope"
        assert isinstance(data["success"], bool) and isinstance(data["code"], str)


# --- yaml --------------------------------------------------------------------------------


def _validate(schema: str, data: Any, tmp_path: Path) -> None:
    target = tmp_path / "doc.json"
    target.write_text(json.dumps(data), "utf-8")
    tool = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(tool), "--builtin-schema", schema, str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


AREA_FILES = ROOT / "vexora_sandbox" / "protocol" / "areas"


def _shipped_areas() -> list[dict[str, Any]]:
    files = sorted(p for p in AREA_FILES.glob("*.yaml") if not p.name.startswith("_"))
    return [yaml.safe_load(p.read_text("utf-8")) for p in files]


def _endpoint_names() -> set[str]:
    return {name for area in _shipped_areas() for name in area.get("endpoints", {})}


def _area_with(endpoints: set[str]) -> dict[str, Any]:
    return next(a for a in _shipped_areas() if endpoints <= set(a.get("endpoints", {})))


@pytest.mark.parametrize("block", of("yaml"), ids=ids(of("yaml")))
def test_a_yaml_block_loads_as_what_it_shows(
    block: Block, tmp_path: Path, sandbox: SandboxServer
) -> None:
    from vexora_sandbox.protocol.rules import load_areas
    from vexora_sandbox.scenarios.loader import load_scenarios

    data = yaml.safe_load(block.code)
    path = tmp_path / "block.yaml"
    path.write_text(block.code, "utf-8")
    if isinstance(data, dict) and "jobs" in data:  # a GitHub Actions workflow, or its jobs
        _validate("vendor.github-workflows", {"on": "push", **data}, tmp_path)
    elif isinstance(data, dict) and "scrape_configs" in data:  # Prometheus: the paths answer
        for job in data["scrape_configs"]:
            url = sandbox.url + job.get("metrics_path", "/metrics")
            with urllib.request.urlopen(url, timeout=30) as response:
                assert response.status == 200, f"{block.id}: {url}"
    elif isinstance(data, dict) and "services" in data:  # docker compose
        _validate("vendor.compose-spec", data, tmp_path)
    elif isinstance(data, dict) and data and set(data) <= _endpoint_names():
        # Endpoints of an area file: laid over a shipped area that has them, and loaded.
        area = _area_with(set(data))
        for name, endpoint in data.items():
            shipped = area["endpoints"][name]
            shipped["fields"] = {**shipped.get("fields", {}), **endpoint.pop("fields", {})}
            shipped.update(endpoint)
        area["area"] = "doc-block"
        (tmp_path / "areas").mkdir()
        (tmp_path / "areas" / "doc-block.yaml").write_text(yaml.safe_dump(area), "utf-8")
        assert "doc-block" in load_areas([tmp_path / "areas"])
    elif isinstance(data, dict) and "area" in data:  # an area rule file
        (tmp_path / "areas").mkdir()
        path.rename(tmp_path / "areas" / f"{data['area']}.yaml")
        assert data["area"] in load_areas([tmp_path / "areas"])
    elif isinstance(data, list) or data is None:  # scenarios (a comment alone: an empty file)
        load_scenarios(str(path))
    else:
        assert isinstance(data, dict)
        try:
            load_config({}, {}, str(path))
        except ConfigError as exc:
            pytest.fail(f"{block.id}: the config does not load: {exc}")


# --- python ------------------------------------------------------------------------------


PYTHON = of("python")


@pytest.mark.parametrize("block", PYTHON, ids=ids(PYTHON))
def test_a_python_block_runs(block: Block, pytester: pytest.Pytester) -> None:
    tests = len(re.findall(r"^\s*(?:async )?def test_", block.code, re.M))
    if tests:
        pytester.makepyfile(test_block=block.code)
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
        result.assert_outcomes(passed=tests)
        return
    expected = [m[1] for m in re.finditer(r"^\s*print\(.*\)\s+#\s*(.+)$", block.code, re.M)]
    out = io.StringIO()
    # A fragment uses the names the docs give the helpers: a sandbox on the manual clock, a
    # callback receiver, Reply.
    with SandboxServer(clock="manual") as sandbox, CallbackReceiver() as receiver:
        names = {"__name__": "__doc_block__", "sandbox": sandbox, "receiver": receiver}
        with contextlib.redirect_stdout(out):
            exec(compile(here(block.code, sandbox), block.id, "exec"), {**names, "Reply": Reply})
        sandbox.raise_errors()
    assert out.getvalue().splitlines() == expected


def test_the_example_marks_are_projects_the_examples_test_runs() -> None:
    from tests.examples.test_docs_pytest import PROJECTS

    marked = {b.note for b in ALL if b.mark == "example"}
    assert marked == {f"{p}/{f}" for p, files in PROJECTS.items() for f in files}


# --- sh and console ----------------------------------------------------------------------


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """(command, the lines printed after it) for a console block; for sh, every command."""
    code = block.code.replace("\\\n", " ")
    if block.lang == "sh":
        lines = [line.strip() for line in code.splitlines()]
        return [(line, []) for line in lines if line and not line.startswith("#")]
    found: list[tuple[str, list[str]]] = []
    for line in code.splitlines():
        if line.startswith("$ "):
            found.append((line[2:], []))
        elif found:
            found[-1][1].append(line)
    return found


def segments(command: str, env: dict[str, str]) -> list[list[str]]:
    """The simple commands of a line (split at |, &&, ;), variables expanded, comments and
    output redirections (``> FILE``) cut."""
    for name, value in env.items():
        command = command.replace(f"${name}", value)
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|&;>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    parts: list[list[str]] = [[]]
    redirected = False
    for token in lexer:
        if token in ("|", "&&", ";", "||"):
            parts.append([])
            redirected = False
        elif token in (">", ">>"):
            redirected = True
        elif redirected:
            redirected = False  # the file written to: no argument of the command
        else:
            parts[-1].append(token)
    return [p for p in parts if p]


def check_cli(argv: list[str], where: str) -> None:
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            build_parser().parse_args(argv)
    except SystemExit as exc:
        if exc.code == 0:  # --help, --version
            return
        pytest.fail(f"{where}: vexora-sandbox {shlex.join(argv)} does not parse ({exc.code})")


def send_curl(argv: list[str], sandbox: SandboxServer, where: str) -> None:
    """Send what a curl command would; the sandbox must know the route and the method."""
    with_value = ("-X", "-d", "-H", "-o", "-w", "-u", "--data", "--data-raw")
    positional = [
        a
        for i, a in enumerate(argv[1:], 1)
        if not a.startswith("-") and argv[i - 1] not in with_value
    ]
    assert len(positional) == 1, f"{where}: which URL? {positional}"
    url = positional[0] if "://" in positional[0] else "http://" + positional[0]
    method = argv[argv.index("-X") + 1] if "-X" in argv else None
    data = argv[argv.index("-d") + 1] if "-d" in argv else None
    headers = [argv[i + 1] for i, a in enumerate(argv) if a == "-H"]
    body = None if data is None else (b"{}" if data.startswith("@") else data.encode())
    request = urllib.request.Request(url, data=body, method=method or ("POST" if body else "GET"))
    for header in headers:
        name, _, value = header.partition(":")
        if value.strip():
            request.add_header(name.strip(), value.strip())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read().decode("utf-8", "replace")
    assert status < 500, f"{where}: {url} answered HTTP {status}: {text}"
    assert status != 405, f"{where}: {request.method} is not a method of {url}"
    assert not (status == 404 and not text.startswith("{")), f"{where}: no route {url}"


def check_docker(argv: list[str], where: str) -> None:
    if argv[1] != "run":
        return  # docker build: scripts/check-container.sh builds the Dockerfile in CI
    rest = argv[2:]
    while rest and rest[0].startswith("-"):
        takes_value = rest[0] in ("-p", "-e", "-v", "--network", "--name")
        rest = rest[2:] if takes_value and "=" not in rest[0] else rest[1:]
    assert rest and rest[0].startswith(("vexora-sandbox", "ghcr.io/")), f"{where}: {argv}"
    if rest[1:]:
        check_cli(rest[1:], where)  # the image's ENTRYPOINT is vexora-sandbox


def runs_offline(argv: list[str]) -> bool:
    """A command whose printed output does not depend on a running sandbox or the time."""
    if len(argv) >= 2 and argv[1] == "example":
        return "--seed" in argv and "--timestamp" in argv
    if len(argv) < 2 or argv[1] not in ("sign", "check"):
        return False
    files = [a for a in argv[2:] if not a.startswith("-") and a not in ("sandbox-secret",)]
    return all((ROOT / f).exists() or f.startswith("test_secret") for f in files)


SHELL = of("sh", "console")


@pytest.mark.parametrize("block", SHELL, ids=ids(SHELL))
def test_a_shell_block_runs_or_parses(block: Block, sandbox: SandboxServer) -> None:
    env = {"VEXORA_SANDBOX_ADMIN_TOKEN": "", "PWD": str(ROOT)}
    # A page sets its variables once (S=http://127.0.0.1:8080/_sandbox) for all its blocks.
    for other in SHELL:
        if other.path == block.path:
            for line in other.code.splitlines():
                if re.fullmatch(r"[A-Z_]+=\S+", line.strip()):
                    name, _, value = here(line.strip(), sandbox).partition("=")
                    env[name] = value
    for command, printed in commands(block):
        command = here(command, sandbox)
        where = f"{block.id}: {command}"
        if re.fullmatch(r"[A-Z_]+=\S+", command):
            name, _, value = command.partition("=")
            env[name] = value
            continue
        parts = segments(command, env)
        for argv in parts:
            while re.fullmatch(r"[A-Z_]+=\S*", argv[0]):  # VAR=value command
                argv = argv[1:]
            program = argv[0].removeprefix(".venv/bin/")
            if program == "vexora-sandbox":
                check_cli(argv[1:], where)
            elif program == "curl":
                send_curl(argv, sandbox, where)
            elif program == "docker":
                check_docker(argv, where)
            elif program in ("python", "python3") and argv[1:2] == ["-c"]:
                result = subprocess.run(
                    [sys.executable, *argv[1:]], capture_output=True, text=True, timeout=60
                )
                assert result.returncode == 0, f"{where}: {result.stderr}"
            elif program in RUN_BY_CI:
                assert block.id in CI_BLOCKS or program == "scripts/check-container.sh", (
                    f"{where}: .ci/run does not run this; mark the block illustrative"
                )
            else:
                assert program == "echo", f"{where}: what runs {program}?"
        if block.lang == "console" and printed and runs_offline(parts[-1]):
            script = command.replace("vexora-sandbox", shlex.quote(str(SANDBOX_CLI)))
            result = subprocess.run(
                ["bash", "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
            )
            if parts[-1][1] == "example":
                # Names and emails come from Faker, whose data may change with a release:
                # the fields, and what the seed and the timestamp decide, must match.
                got, shown = json.loads(result.stdout), json.loads("\n".join(printed))
                assert list(got) == list(shown), where
                for field in ("tradeNo", "amount", "timestamp", "notifyUrl"):
                    assert got[field] == shown[field], f"{where}: {field}"
                continue
            assert (result.stdout + result.stderr).splitlines() == printed, where
