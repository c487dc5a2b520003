"""CallbackReceiver's host and advertised host: reachable from a sandbox in another network.

Only 127.0.0.1 and localhost are ever sent to; 0.0.0.0 is only listened on.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from vexora_sandbox import CallbackReceiver, sign


def post(url: str, body: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return answer.status, answer.read().decode("utf-8")


def test_listening_on_every_address_and_advertised_as_localhost() -> None:
    with CallbackReceiver(host="0.0.0.0", advertised_host="localhost") as receiver:
        assert receiver.port > 0
        assert receiver.url == f"http://localhost:{receiver.port}/notify"
        body = {"tradeNo": "T-HOST-1", "status": "0000"}
        body["sign"] = sign(body, "sandbox-secret")
        assert post(receiver.url, body) == (200, "OK")
        callback = receiver.wait_for("T-HOST-1", status="0000", timeout=5)
        assert callback.sign_valid
        assert callback.path == "/notify"


def test_the_default_is_127_0_0_1() -> None:
    with CallbackReceiver() as receiver:
        assert (receiver.host, receiver.advertised_host) == ("127.0.0.1", None)
        assert receiver.url == f"http://127.0.0.1:{receiver.port}/notify"


@pytest.mark.parametrize(
    ("host", "advertised_host", "url_host"),
    [
        ("0.0.0.0", None, "127.0.0.1"),  # a wildcard is no address to send to
        ("::", None, "127.0.0.1"),
        ("127.0.0.1", None, "127.0.0.1"),
        ("localhost", None, "localhost"),
        ("0.0.0.0", "tests.ci.internal", "tests.ci.internal"),
        ("0.0.0.0", "172.17.0.1", "172.17.0.1"),
        ("::", "fd00::2", "[fd00::2]"),
    ],
)
def test_the_url_names_the_advertised_host(
    host: str, advertised_host: str | None, url_host: str
) -> None:
    receiver = CallbackReceiver(host=host, advertised_host=advertised_host, path="/cb")
    receiver.port = 8123  # not started: only the URL is looked at
    assert receiver.url == f"http://{url_host}:8123/cb"


def test_a_host_it_cannot_listen_on_raises_and_a_later_start_still_listens() -> None:
    receiver = CallbackReceiver(host="192.0.2.1")  # TEST-NET-1: never a local address
    with pytest.raises(OSError):
        receiver.start()
    assert receiver.port == 0
    receiver.host = "127.0.0.1"
    with receiver:
        assert receiver.url == f"http://127.0.0.1:{receiver.port}/notify"
        assert post(receiver.url, {"tradeNo": "T-HOST-2"}) == (200, "OK")
        assert receiver.wait_for("T-HOST-2", timeout=5).sign_valid is False


def test_a_wait_that_times_out_lists_what_did_arrive_for_the_order() -> None:
    with CallbackReceiver(secret="s") as receiver:
        for trade_no, status in (("T1", "0015"), ("T1", "00029"), ("T2", "0000")):
            body = {"tradeNo": trade_no, "status": status, "timestamp": "1"}
            assert post(receiver.url, {**body, "sign": sign(body, "s")}) == (200, "OK")
        with pytest.raises(TimeoutError) as info:
            receiver.wait_for("T1", status="0000", timeout=0.01)
        assert str(info.value) == (
            "1 callback(s) for T1 with status 0000 did not arrive within 0.01 s; "
            "received 2 for T1 (T1 0015, T1 00029), 3 in all"
        )
        with pytest.raises(TimeoutError) as info:
            receiver.wait_for("T3", timeout=0.01)
        assert str(info.value).endswith("; received 0 for T3, 3 in all")
