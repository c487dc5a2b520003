"""``serve`` imports aiohttp without reading the system's CA bundle on the way to healthy.

``import aiohttp.web`` imports aiohttp's client too (the package's ``__init__`` does), and
its ``connector`` module builds two client SSL contexts at import time, reading the CA
bundle twice: 40-70 ms of a start of ~0.4 s here (bench/README.md, start-up). The server
never uses them (callbacks go out through ``callbacks.http``, with its own context). So
``serve`` imports aiohttp with the two loading calls of ``ssl.SSLContext`` recorded instead
of run, and runs them on the same context objects once the sandbox answers: the contexts
end up exactly as aiohttp builds them, only later. Nothing else is deferred; any other
importer of aiohttp (the test helpers, the pytest plugin, ``listen``) is left alone.
"""

from __future__ import annotations

import ssl
import sys
import threading
from collections.abc import Callable
from typing import Any

# The two calls that read the CA bundle: ``create_default_context`` calls the first, and
# aiohttp calls the second on its unverified context.
_LOADERS = ("load_default_certs", "set_default_verify_paths")


class Deferred:
    """What the import left to do; ``load`` does it (once), ``in_background`` in a thread."""

    def __init__(self) -> None:
        self.calls: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def load(self) -> None:
        with self._lock:
            calls, self.calls = self.calls, []
        for call in calls:
            call()

    def in_background(self) -> None:
        if self.calls:
            threading.Thread(target=self.load, name="vexora-ssl-load", daemon=True).start()


def import_web() -> Deferred:
    """Import ``aiohttp.web``, the client's CA bundle loading deferred (see the module)."""
    deferred = Deferred()
    if "aiohttp" in sys.modules:  # imported already: its contexts are built
        return deferred
    saved = {name: ssl.SSLContext.__dict__.get(name) for name in _LOADERS}
    originals = {name: getattr(ssl.SSLContext, name) for name in _LOADERS}

    def recorder(name: str) -> Callable[..., None]:
        def record(context: ssl.SSLContext, *args: Any) -> None:
            deferred.calls.append(lambda: originals[name](context, *args))

        return record

    for name in _LOADERS:
        setattr(ssl.SSLContext, name, recorder(name))
    try:
        import aiohttp.web  # noqa: F401  (the import is the point)
    finally:
        for name, value in saved.items():
            if value is None:  # inherited from _ssl._SSLContext: drop the shadow
                delattr(ssl.SSLContext, name)
            else:
                setattr(ssl.SSLContext, name, value)
    return deferred
