"""The fenced code blocks of README.md and docs/, found by their language tag.

A block may be preceded by a mark on the line before its fence:

- ``<!-- example: DIR/FILE -->``: a file of an example project that
  tests/examples/test_docs_pytest.py runs as a pytest session;
- ``<!-- illustrative: REASON -->``: not run, for the reason given (a placeholder the
  reader fills in, a tool these machines lack...). Marks are the exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[2]
FENCE = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<code>.*?)^```[ \t]*$", re.S | re.M)
MARK = re.compile(r"<!--\s*(?P<kind>illustrative|example):\s*(?P<note>.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    lang: str
    code: str
    mark: str | None  # "illustrative" or "example"
    note: str  # the mark's reason or example path

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks(paths: list[Path] | None = None) -> list[Block]:
    found: list[Block] = []
    for path in paths or doc_files():
        text = path.read_text("utf-8")
        for match in FENCE.finditer(text):
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            mark = MARK.search(before)
            found.append(
                Block(
                    path=path,
                    line=text.count("\n", 0, match.start()) + 1,
                    lang=match["lang"],
                    code=match["code"],
                    mark=mark["kind"] if mark else None,
                    note=mark["note"] if mark else "",
                )
            )
    return found
