"""Every relative link of README.md and docs/**/*.md reaches a file of the repository, and
every #anchor a heading of the page it names (GitHub's heading ids)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
FENCE = re.compile(r"^(```|~~~)")
# [text](target "title") and ![alt](target); the target ends at a space or ")".
INLINE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # http:, https:, mailto:, ...


def prose_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of every line outside fenced code blocks."""
    lines, fenced = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line.lstrip()):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line))
    return lines


def links(path: Path) -> list[tuple[int, str]]:
    found = []
    for number, line in prose_lines(path):
        # Inline code spans are text, not links.
        text = re.sub(r"`[^`]*`", "", line)
        found += [(number, m.group(1)) for m in INLINE.finditer(text)]
        found += [(number, m.group(1)) for m in REFERENCE.finditer(text)]
    return found


def slug(heading: str) -> str:
    """GitHub's id for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    seen: dict[str, int] = {}
    ids = set()
    for _, line in prose_lines(path):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        ids.add(base if count == 0 else f"{base}-{count}")
    ids |= set(re.findall(r'<a (?:id|name)="([^"]+)"', path.read_text(encoding="utf-8")))
    return frozenset(ids)


CASES = [(page, number, target) for page in PAGES for number, target in links(page)]
RELATIVE = [case for case in CASES if not EXTERNAL.match(case[2])]


def test_the_pages_have_relative_links() -> None:
    assert len(PAGES) > 20
    assert len(RELATIVE) > 100


def test_slugs_follow_github() -> None:
    assert slug("Signed answers (sandbox choice)") == "signed-answers-sandbox-choice"
    assert slug("`payinSubmit` / `payInSubmit`") == "payinsubmit--payinsubmit"
    assert slug("How many deliveries: the first one does not count") == (
        "how-many-deliveries-the-first-one-does-not-count"
    )


@pytest.mark.parametrize(
    ("page", "line", "target"),
    RELATIVE,
    ids=[f"{p.relative_to(ROOT)}:{n}:{t}" for p, n, t in RELATIVE],
)
def test_a_relative_link_reaches_a_file_and_its_anchor(page: Path, line: int, target: str) -> None:
    where = f"{page.relative_to(ROOT)}:{line}"
    path_part, _, anchor = target.partition("#")
    linked = (page.parent / unquote(path_part)).resolve() if path_part else page
    assert linked.exists(), f"{where}: {target} names no file of the repository"
    assert linked.is_relative_to(ROOT), f"{where}: {target} leaves the repository"
    if anchor and linked.suffix == ".md":
        assert unquote(anchor) in anchors(linked), (
            f"{where}: {target}: no heading of {linked.relative_to(ROOT)} has the id {anchor}"
        )
