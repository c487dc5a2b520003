"""The README's first steps as a newcomer runs them: the payout's callback shows in ``listen``."""

from __future__ import annotations

import queue
import re
import subprocess
import threading
from pathlib import Path

from tests.cli.test_serve import _command, _environ
from vexora_sandbox.testing import SandboxServer

README = (Path(__file__).parents[2] / "README.md").read_text("utf-8")
TIMEOUT = 30.0


def test_the_readme_payout_s_callback_arrives_in_the_listener_it_starts() -> None:
    shells = re.findall(r"```sh\n(.*?)```", README, re.S)
    assert ".venv/bin/vexora-sandbox listen\n" in shells, "the README starts a listener"
    (example,) = [
        b for b in re.findall(r"```python\n(.*?)```", README, re.S) if "disbursements" in b
    ]
    assert "http://127.0.0.1:9000/notify" in example
    listener = subprocess.Popen(
        [*_command(), "listen", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environ(),
    )
    lines: queue.Queue[str] = queue.Queue()
    try:
        assert listener.stdout is not None
        url = listener.stdout.readline().split(" on ", 1)[1].split()[0]
        stdout = listener.stdout

        def pump() -> None:
            for line in stdout:
                lines.put(line)

        threading.Thread(target=pump, daemon=True).start()
        with SandboxServer(time_scale=0.01) as sandbox:
            code = example.replace("http://127.0.0.1:8080", sandbox.url).replace(
                "http://127.0.0.1:9000", url
            )
            exec(compile(code, "README.md", "exec"), {"print": lambda *a: None})
            seen: list[str] = []
            while "  sign valid\n" not in seen:
                seen.append(lines.get(timeout=TIMEOUT))
    finally:
        listener.terminate()
        listener.communicate(timeout=10)
    posts = [line for line in seen if " POST " in line]
    assert len(posts) == 1, seen
    assert re.fullmatch(r"\d\d:\d\d:\d\d POST /notify tradeNo T\d+ status 0000\n", posts[0])
