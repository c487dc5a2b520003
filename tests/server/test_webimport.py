"""``serve``'s import of aiohttp: the client's CA bundle loads after the start, not never."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys

# Run in a fresh interpreter: the deferral applies only to the first import of aiohttp.
CHILD = """
import json, ssl
from vexora_sandbox import webimport
deferred = webimport.import_web()
from aiohttp import connector
contexts = (connector._SSL_CONTEXT_VERIFIED, connector._SSL_CONTEXT_UNVERIFIED)
before = [c.cert_store_stats()["x509_ca"] for c in contexts]
patched = ssl.SSLContext.load_default_certs.__module__ != "ssl" or (
    "set_default_verify_paths" in ssl.SSLContext.__dict__)
deferred.load()
after = [c.cert_store_stats()["x509_ca"] for c in contexts]
again = len(deferred.calls)
print(json.dumps({"before": before, "after": after, "patched": patched, "again": again,
                  "verify": [int(c.verify_mode) for c in contexts]}))
"""


def test_the_contexts_end_up_as_aiohttp_builds_them() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True
    ).stdout
    seen = json.loads(out)
    expected = ssl.create_default_context().cert_store_stats()["x509_ca"]
    assert seen["before"] == [0, 0]  # nothing read on the way to healthy
    assert seen["after"] == [expected, expected]
    assert seen["patched"] is False  # ssl.SSLContext is itself again after the import
    assert seen["again"] == 0
    assert seen["verify"] == [int(ssl.CERT_REQUIRED), int(ssl.CERT_NONE)]


def test_a_second_import_defers_nothing() -> None:
    from vexora_sandbox import webimport

    deferred = webimport.import_web()  # aiohttp is loaded in the test process already
    assert deferred.calls == []
    assert ssl.SSLContext.load_default_certs.__module__ == "ssl"
