"""Print one of the README's code blocks, so that CI runs the commands exactly as printed.

Usage: python3 scripts/readme_block.py first|second|payout
  first   the first sh block: install what serving needs and start the sandbox
  second  the second sh block: install the test extras and run the tests
  payout  the Python block that sends a payout with the standard library
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def block(which: str) -> str:
    text = README.read_text("utf-8")
    shell = re.findall(r"```sh\n(.*?)```", text, re.S)
    if which == "first":
        return shell[0]
    if which == "second":
        return shell[1]
    if which == "payout":
        (found,) = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "urllib" in b]
        return str(found)
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.stdout.write(block(sys.argv[1] if len(sys.argv) > 1 else ""))
