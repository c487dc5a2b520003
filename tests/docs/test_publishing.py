"""The publishing workflows are valid, publish what the docs say, and the docs name it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def workflow(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_workflows_are_valid_github_workflows() -> None:
    assert [p.name for p in WORKFLOWS] == ["publish-image.yml", "publish-pypi.yml"]
    tool = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(tool), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pypi_is_published_by_trusted_publishing_after_the_checks() -> None:
    jobs = workflow("publish-pypi.yml")["jobs"]
    build = "\n".join(step.get("run", "") for step in jobs["build"]["steps"])
    assert "python -m build" in build and "twine check --strict" in build
    assert "scripts/smoke-wheel.sh" in build
    publish = jobs["publish"]
    assert publish["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"}
    (upload,) = [s for s in publish["steps"] if "gh-action-pypi-publish" in s.get("uses", "")]
    assert "with" not in upload  # no password: the OIDC token is the credential


def test_the_image_is_multi_arch_and_named_as_the_docs_name_it() -> None:
    data = workflow("publish-image.yml")
    image = data["env"]["IMAGE"]
    (push,) = [s for s in data["jobs"]["image"]["steps"] if "build-push" in s.get("uses", "")]
    assert push["with"]["platforms"] == "linux/amd64,linux/arm64" and push["with"]["push"]
    named = set()
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        named |= set(re.findall(r"ghcr\.io/[\w./-]+", page.read_text("utf-8")))
    assert named and {n.removesuffix(".") for n in named} <= {image}


@pytest.mark.parametrize("path", ["scripts/smoke-wheel.sh", "scripts/newcomer.sh", ".ci/run"])
def test_the_ci_scripts_are_valid_bash(path: str) -> None:
    result = subprocess.run(["bash", "-n", str(ROOT / path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
