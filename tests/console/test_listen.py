"""``vexora-sandbox listen``: callbacks from a real sandbox, printed and answered as told."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.cli.test_serve import _command, _environ
from tests.conftest import MERCHANT_NO, SECRET, START, payout_body, signed
from vexora_sandbox import SandboxConfig, create_app
from vexora_sandbox.cli import main
from vexora_sandbox.commands.listen import Options, create_listener
from vexora_sandbox.domain.clock import ManualClock

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[web.Application], Awaitable[Client]]
MakeServer = Callable[[web.Application], Awaitable[TestServer]]


async def _deliver(
    aiohttp_client: MakeClient,
    aiohttp_server: MakeServer,
    options: Options,
    *,
    merchant_secret: str = SECRET,
    timeout: float = 5.0,
) -> tuple[list[str], dict[str, Any]]:
    """A payout whose SUCCESS callback goes to a listener; its lines and the delivery."""
    out = io.StringIO()
    listener = await aiohttp_server(create_listener(options, out))
    config = SandboxConfig(clock="manual", callback_retries=(2.0,), callback_timeout=timeout)
    if merchant_secret != SECRET:
        config = config.replace(
            merchants=(config.merchants[0].__class__(MERCHANT_NO, merchant_secret, "default"),)
        )
    client = await aiohttp_client(create_app(config, clock=ManualClock(START)))
    body = payout_body(notifyUrl=str(listener.make_url("/shop/notify")))
    answer = await client.post(
        "/v1/vexora/disbursements",
        json=signed(body, merchant_secret),
        headers={"merchantNo": MERCHANT_NO},
    )
    assert (await answer.json())["code"] == "0000"
    assert (await client.post("/_sandbox/clock/advance", json={"seconds": 3})).status == 200
    deliveries = await (await client.get("/_sandbox/callbacks")).json()
    return out.getvalue().splitlines(), deliveries["callbacks"][0]


async def test_a_callback_is_printed_with_its_fields_and_a_valid_sign_and_answered_ok(
    aiohttp_client: MakeClient, aiohttp_server: MakeServer
) -> None:
    lines, delivery = await _deliver(aiohttp_client, aiohttp_server, Options(secret=SECRET))
    assert lines[0].endswith(" POST /shop/notify tradeNo T20261124000001 status 0000"), lines
    assert '  tradeNo          "T20261124000001"' in lines
    assert "  sign valid" in lines
    assert lines[-1] == '  answered HTTP 200 "OK"'
    assert delivery["acknowledged"] is True


async def test_a_bad_sign_shows_the_expected_sign_and_base_with_the_placeholder(
    aiohttp_client: MakeClient, aiohttp_server: MakeServer
) -> None:
    lines, _ = await _deliver(aiohttp_client, aiohttp_server, Options(secret="the-other-secret"))
    invalid = [line for line in lines if "sign INVALID" in line]
    assert len(invalid) == 1, lines
    assert "expected " in invalid[0]
    base = next(line for line in lines if line.startswith("  sign base: "))
    assert base.endswith("{secret}")
    assert "amount=250" in base and "status=0000" in base
    assert "the-other-secret" not in "\n".join(lines)


@pytest.mark.parametrize(
    ("options", "printed", "status", "text"),
    [
        (Options(secret=SECRET, answer="FAIL"), '  answered HTTP 200 "FAIL"', 200, "FAIL"),
        (
            Options(secret=SECRET, status=503, answer="busy"),
            '  answered HTTP 503 "busy"',
            503,
            "busy",
        ),
    ],
)
async def test_answers_as_told_and_the_sandbox_retries(
    aiohttp_client: MakeClient,
    aiohttp_server: MakeServer,
    options: Options,
    printed: str,
    status: int,
    text: str,
) -> None:
    lines, delivery = await _deliver(aiohttp_client, aiohttp_server, options)
    assert lines[-1] == printed
    assert delivery["acknowledged"] is False
    attempt = delivery["attempts"][0]
    assert (attempt["responseStatus"], attempt["responseBody"]) == (status, text)
    assert delivery["nextAttemptAt"] == int((START + 2 + 2) * 1000)


async def test_no_answer_lets_the_sender_time_out(
    aiohttp_client: MakeClient, aiohttp_server: MakeServer
) -> None:
    lines, delivery = await _deliver(
        aiohttp_client, aiohttp_server, Options(secret=SECRET, no_answer=True), timeout=0.3
    )
    assert "  not answering (the sender times out and retries)" in lines
    attempt = delivery["attempts"][0]
    assert attempt["responseStatus"] is None
    assert attempt["error"] == "no complete answer within 0.3 s"
    assert delivery["acknowledged"] is False


async def test_a_delay_holds_the_answer(
    aiohttp_client: MakeClient, aiohttp_server: MakeServer
) -> None:
    _, delivery = await _deliver(aiohttp_client, aiohttp_server, Options(secret=SECRET, delay=0.3))
    assert delivery["acknowledged"] is True
    assert delivery["attempts"][0]["latencyMs"] >= 250


@pytest.mark.parametrize("answer", ["OK", "FAIL"])
async def test_forward_to_passes_the_callback_on_and_its_answer_back(
    aiohttp_client: MakeClient, aiohttp_server: MakeServer, answer: str
) -> None:
    got: list[bytes] = []

    async def handler(request: web.Request) -> web.Response:
        got.append(await request.read())
        return web.Response(text=answer)

    merchant = web.Application()
    merchant.router.add_post("/vexora/notify", handler)
    shop = await aiohttp_server(merchant)
    target = str(shop.make_url("/vexora/notify"))
    lines, delivery = await _deliver(
        aiohttp_client, aiohttp_server, Options(secret=SECRET, forward_to=target)
    )
    assert len(got) == 1
    assert json.loads(got[0]) == delivery["body"]
    assert f'  your handler at {target} answered HTTP 200 "{answer}"' in lines[-1]
    assert delivery["acknowledged"] is (answer == "OK")


async def test_forward_to_a_dead_handler_answers_502(
    aiohttp_client: MakeClient, aiohttp_server: MakeServer
) -> None:
    target = "http://127.0.0.1:9/nobody"
    lines, delivery = await _deliver(
        aiohttp_client, aiohttp_server, Options(secret=SECRET, forward_to=target)
    )
    assert any(line.startswith(f"  forward to {target} failed: ") for line in lines), lines
    assert delivery["attempts"][0]["responseStatus"] == 502


async def test_a_body_that_is_not_json_is_shown_and_still_answered(
    aiohttp_client: MakeClient, aiohttp_server: MakeServer
) -> None:
    out = io.StringIO()
    listener = await aiohttp_server(create_listener(Options(secret=SECRET), out))
    client = await aiohttp_client(create_app(SandboxConfig()))
    async with client.session.post(listener.make_url("/x"), data=b"<xml/>") as response:
        assert (response.status, await response.text()) == (200, "OK")
    assert "  not a JSON object: '<xml/>'" in out.getvalue()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--forward-to", "http://x/", "--answer", "FAIL"], "drop --answer/--status"),
        (["--forward-to", "ftp://x/"], "needs an http:// or https:// URL"),
        (["--status", "99"], "--status must be an HTTP status from 100 to 599"),
        (["--delay", "-1"], "--delay must be between 0 and 3600 seconds"),
    ],
)
def test_bad_flags_exit_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["listen", *argv]) == 2
    assert message in capsys.readouterr().err


def test_listen_prints_where_it_listens_and_a_callback_sent_to_it() -> None:
    process = subprocess.Popen(
        [*_command(), "listen", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environ(),
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("vexora-sandbox listening on http://127.0.0.1:"), first
        url = first.split(" on ", 1)[1].split()[0]
        sent = subprocess.run(
            [*_command(), "send-callback", "--url", url + "/notify", "--secret", SECRET,
             "--trade-no", "T1", "--status", "0000"],
            capture_output=True, text=True, timeout=30, env=_environ(),
        )  # fmt: skip
        assert "acknowledged: yes" in sent.stdout, sent
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert " POST /notify tradeNo T1 status 0000" in out
    assert "  sign valid" in out


async def test_a_hostile_value_reaches_the_terminal_escaped(
    aiohttp_client: MakeClient, aiohttp_server: MakeServer
) -> None:
    out = io.StringIO()
    listener = await aiohttp_server(create_listener(Options(secret=SECRET), out))
    client = await aiohttp_client(create_app(SandboxConfig()))
    body = json.dumps({"tradeNo": "T1\x1b[2J\u202e", "status": "0000"})
    async with client.session.post(listener.make_url("/n"), data=body) as response:
        assert response.status == 200
    printed = out.getvalue()
    assert "\x1b" not in printed and "\u202e" not in printed
    assert "tradeNo T1\\x1b[2J\\u202e status 0000" in printed
