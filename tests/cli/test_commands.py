"""The CLI's tool commands: sign, verify, send-callback, example, status, replay, force."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Client
from vexora_sandbox import CallbackReceiver, Reply, SandboxServer, sign, verify
from vexora_sandbox.cli import build_parser, main
from vexora_sandbox.protocol.jsonbody import parse_body
from vexora_sandbox.protocol.rules import load_areas

AREAS = {name: area for name, area in load_areas().items() if not name.startswith("_")}
AREA_ENDPOINTS = [
    (name, endpoint)
    for name, area in sorted(AREAS.items())
    for endpoint in area.endpoints
    if endpoint != "*"
]
# Reference section 3, test vectors 2 to 4: the timestamp of the first is a JSON number.
PAYOUT_VECTOR = (
    '{"amount":"250","mobile":"0912345678","email":"ana.garcia@example.com",'
    '"accountNo":"0000003100012345678901","firstname":"Ana","lastname":"García",'
    '"tradeNo":"T20261124000001","notifyUrl":"http://127.0.0.1:9000/notify","remark":"",'
    '"timestamp":1764000000000}'
)
CALLBACK_VECTOR = (
    '{"platFormTradeNo":"VXP0000000001","tradeNo":"T20261124000001","amount":"250",'
    '"status":"0000","message":"SUCCESS","successTime":"2026-11-24 10:00:02",'
    '"timestamp":"1764000002000","remark":"order-42"}'
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))


# --- help ------------------------------------------------------------------------------


def _commands() -> list[str]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    assert isinstance(sub.choices, dict)
    return sorted(sub.choices)


def test_every_command_is_there() -> None:
    assert _commands() == [
        "check",
        "example",
        "force",
        "listen",
        "openapi",
        "replay",
        "send-callback",
        "serve",
        "sign",
        "state",
        "status",
        "verify",
    ]


@pytest.mark.parametrize("command", [None, *_commands()])
def test_every_help_says_what_it_does_with_an_example(
    command: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"] if command else ["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "example: vexora-sandbox" in out
    if command:
        assert f"usage: vexora-sandbox {command}" in out
        description = out.split("\n\n")[1]
        assert len(description) > 40, description


# --- sign, verify ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "secret", "canonical", "expected"),
    [
        (
            PAYOUT_VECTOR,
            "sandbox-secret",
            "accountNo=0000003100012345678901amount=250email=ana.garcia@example.com"
            "firstname=Analastname=Garcíamobile=0912345678notifyUrl=http://127.0.0.1:9000/notify"
            "timestamp=1764000000000tradeNo=T20261124000001",
            "a16bef2fbfbf40ac82baa0d6ea4dfa63",
        ),
        (
            CALLBACK_VECTOR,
            "sandbox-secret",
            "amount=250message=SUCCESSplatFormTradeNo=VXP0000000001remark=order-42status=0000"
            "successTime=2026-11-24 10:00:02timestamp=1764000002000tradeNo=T20261124000001",
            "83781c928ee6c94557d793e9715fe3e0",
        ),
        (
            '{"timestamp":"1724151084278"}',
            "test_secret_123",
            "timestamp=1724151084278",
            "e2b46cbd8fd166ccc456043b51c537be",
        ),
    ],
)
def test_sign_prints_the_canonical_string_and_the_sign(
    body: str,
    secret: str,
    canonical: str,
    expected: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "body.json"
    path.write_text(body, encoding="utf-8")
    assert run(capsys, "sign", "--secret", secret, str(path)) == (
        0,
        f"canonical: {canonical}\nsign:      {expected}\n",
        "",
    )


def test_sign_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, '{"timestamp":"1724151084278"}')
    code, out, _ = run(capsys, "sign", "--secret", "test_secret_123", "-")
    assert code == 0
    assert out.endswith("sign:      e2b46cbd8fd166ccc456043b51c537be\n")


def test_sign_body_prints_the_signed_body_keeping_number_literals(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, '{"amount":100.50,"timestamp":1764000000000,"remark":"ñ"}')
    code, out, _ = run(capsys, "sign", "--secret", "s", "--body")
    assert code == 0
    assert '"amount": 100.50,' in out and '"timestamp": 1764000000000,' in out
    assert '"remark": "ñ"' in out
    body = parse_body(out.encode())
    assert body["sign"] == sign(
        {"amount": "100.50", "timestamp": "1764000000000", "remark": "ñ"}, "s"
    )
    assert verify(body, "s")


def test_verify_accepts_a_valid_sign(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, PAYOUT_VECTOR[:-1] + ',"sign":"A16BEF2FBFBF40AC82BAA0D6EA4DFA63"}')
    assert run(capsys, "verify", "--secret", "sandbox-secret") == (
        0,
        "valid: sign A16BEF2FBFBF40AC82BAA0D6EA4DFA63 matches\n",
        "",
    )


def test_verify_rejects_a_wrong_sign_showing_expected_and_given(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, '{"timestamp":"1724151084278","sign":"00000000000000000000000000000000"}')
    assert run(capsys, "verify", "--secret", "test_secret_123", "-") == (
        1,
        "invalid: the sign does not match this body and secret\n"
        "  expected:  e2b46cbd8fd166ccc456043b51c537be\n"
        "  given:     00000000000000000000000000000000\n"
        "  canonical: timestamp=1724151084278\n",
        "",
    )


def test_verify_without_a_sign_is_invalid(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, '{"timestamp":"1724151084278"}')
    code, out, _ = run(capsys, "verify", "--secret", "test_secret_123")
    assert code == 1
    assert "  given:     (none)\n" in out


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "stdin: request body is empty; expected a JSON object"),
        ("{nope", "stdin: request body is not valid JSON: Expecting property name enclosed in"),
        ("[1]", "stdin: request body must be a JSON object; got an array"),
        ('{"a":{"b":1}}', "stdin: a must be a string or a number; got an object"),
    ],
)
@pytest.mark.parametrize("command", ["sign", "verify"])
def test_unreadable_input_is_exit_2_with_a_message(
    command: str,
    text: str,
    error: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stdin(monkeypatch, text)
    code, out, err = run(capsys, command, "--secret", "s")
    assert (code, out) == (2, "")
    assert err.startswith(f"vexora-sandbox {command}: {error}")


def test_a_missing_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "sign", "--secret", "s", str(tmp_path / "nope.json"))
    assert code == 2
    assert (
        err
        == f"vexora-sandbox sign: cannot read {tmp_path / 'nope.json'}: No such file or directory\n"
    )


# --- send-callback ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def _receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver(secret="merchant-secret") as receiver:
        yield receiver


@pytest.fixture
def receiver(_receiver: CallbackReceiver) -> CallbackReceiver:
    _receiver.clear()
    return _receiver


def test_send_callback_posts_a_signed_callback_and_reports_the_acknowledgement(
    receiver: CallbackReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "send-callback",
        "--url", receiver.url + "?shop=1",
        "--secret", "merchant-secret",
        "--trade-no", "T20261124000001",
        "--status", "0000",
        "--amount", "250",
        "--platform-trade-no", "VXP0000000001",
        "--remark", "order-42",
    )  # fmt: skip
    assert code == 0
    (got,) = receiver.received
    assert got.sign_valid is True
    assert got.query == {"shop": "1"}
    assert got.headers["Content-Type"] == "application/json"
    body = got.body
    assert list(body) == [
        "platFormTradeNo",
        "tradeNo",
        "amount",
        "status",
        "message",
        "timestamp",
        "successTime",
        "remark",
        "sign",
    ]
    assert {k: v for k, v in body.items() if k not in ("timestamp", "successTime", "sign")} == {
        "platFormTradeNo": "VXP0000000001",
        "tradeNo": "T20261124000001",
        "amount": "250",
        "status": "0000",
        "message": "SUCCESS",
        "remark": "order-42",
    }
    assert all(isinstance(v, str) for v in body.values())
    lines = out.splitlines()
    assert lines[0] == f"POST {receiver.url}?shop=1"
    assert json.loads(lines[1]) == body
    assert lines[2:] == ["answer: HTTP 200 'OK'", "acknowledged: yes"]


def test_a_failure_callback_has_no_success_time_and_the_usual_message(
    receiver: CallbackReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(
        capsys, "send-callback", "--url", receiver.url, "--secret", "merchant-secret",
        "--trade-no", "T1", "--status", "60019",
    )  # fmt: skip
    assert code == 0
    body = receiver.received[0].body
    assert (body["status"], body["message"], body["amount"]) == (
        "60019",
        "INSUFFICIENT_FUNDS",
        "100",
    )
    assert "successTime" not in body and "remark" not in body
    assert body["platFormTradeNo"].startswith("VXP")


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        (Reply(200, "FAIL"), "answer: HTTP 200 'FAIL'"),
        (Reply(200, "ok"), "answer: HTTP 200 'ok'"),
        (Reply(400, "FAIL"), "answer: HTTP 400 'FAIL'"),
        (Reply(500, "OK"), "answer: HTTP 500 'OK'"),
    ],
)
def test_anything_but_200_ok_is_not_acknowledged(
    reply: Reply, answer: str, receiver: CallbackReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    receiver.reply(reply)
    code, out, _ = run(
        capsys, "send-callback", "--url", receiver.url, "--secret", "merchant-secret",
        "--trade-no", "T1", "--status", "0000",
    )  # fmt: skip
    assert code == 1
    assert out.splitlines()[2:] == [
        answer,
        'acknowledged: no (only HTTP 200 with the body "OK" is; the gateway would retry)',
    ]


def test_a_slow_handler_is_not_acknowledged(
    receiver: CallbackReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    receiver.reply(Reply(delay=2))
    code, out, _ = run(
        capsys, "send-callback", "--url", receiver.url, "--secret", "merchant-secret",
        "--trade-no", "T1", "--status", "0000", "--timeout", "0.2",
    )  # fmt: skip
    assert code == 1
    assert out.splitlines()[2:] == [
        "no answer: timed out",
        "acknowledged: no (the gateway would retry)",
    ]


def test_an_unreachable_handler_is_not_acknowledged(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "send-callback", "--url", "http://127.0.0.1:9/notify", "--secret", "s",
        "--trade-no", "T1", "--status", "0000",
    )  # fmt: skip
    assert code == 1
    assert "no answer: [Errno 111] Connection refused" in out


# --- example ---------------------------------------------------------------------------


def example(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code, out, err = run(capsys, "example", *argv)
    assert (code, err) == (0, "")
    body: dict[str, Any] = json.loads(out)
    return body


@pytest.mark.parametrize(("area", "endpoint"), AREA_ENDPOINTS)
def test_every_example_passes_its_areas_strict_rules(
    area: str, endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    body = example(capsys, "--area", area, "--endpoint", endpoint, "--secret", "my-secret")
    rules = AREAS[area].rules_for(endpoint)
    assert rules is not None
    assert rules.errors(parse_body(json.dumps(body).encode()), "strict") == []
    assert all(isinstance(v, str) for v in body.values())
    assert verify(body, "my-secret")
    # Every required field is there, and nothing the area does not know.
    assert {f.name for f in rules.fields if f.required} <= set(body)
    assert set(body) - {"sign"} <= {f.name for f in rules.fields}


@pytest.mark.parametrize(
    "area", sorted(a for a in AREAS if AREAS[a].rules_for("disbursements") is not None)
)
async def test_every_areas_example_payout_is_accepted_by_the_sandbox(
    area: str, client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    body = example(capsys, "--area", area, "--seed", "1")
    response = await client.post(
        f"/{area}/v1/vexora/disbursements", json=body, headers={"merchantNo": "0000000001"}
    )
    answer = await response.json()
    assert (answer["code"], answer["msg"]) == ("0000", "success")
    assert answer["data"]["tradeNo"] == body["tradeNo"]


def test_the_same_seed_gives_the_same_body(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("--area", "brazil", "--seed", "42", "--timestamp", "1764000000000")
    first = example(capsys, *args)
    assert example(capsys, *args) == first
    other = example(capsys, "--area", "brazil", "--seed", "43", "--timestamp", "1764000000000")
    assert other["tradeNo"] != first["tradeNo"] and other["name"] != first["name"]


def test_field_examples_and_fakes_in_the_areas_locale(capsys: pytest.CaptureFixture[str]) -> None:
    body = example(capsys, "--area", "japan", "--seed", "1", "--timestamp", "1764000000000")
    japan = AREAS["japan"].rules_for("disbursements")
    assert japan is not None
    # Fixed fields take the area file's example; names come from Faker's ja_JP.
    for name in ("bankCode", "bankNumber", "userId", "mobile"):
        assert body[name] == japan.field(name).example  # type: ignore[union-attr]
    assert not body["firstname"].isascii() and not body["lastname"].isascii()
    assert body["email"].endswith(("@example.com", "@example.org", "@example.net"))
    assert body["timestamp"] == "1764000000000"
    assert body["notifyUrl"] == "https://127.0.0.1:9000/notify"  # japan: https only
    assert int(body["amount"]) >= 100


def test_the_notify_url_can_be_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert example(capsys)["notifyUrl"] == "http://127.0.0.1:9000/notify"
    body = example(capsys, "--notify-url", "http://127.0.0.1:8000/hooks/vexora?shop=1")
    assert body["notifyUrl"] == "http://127.0.0.1:8000/hooks/vexora?shop=1"


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (
            ["--area", "atlantis"],
            "unknown area 'atlantis'; known areas: argentina, australia, bangladesh",
        ),
        (
            ["--area", "kenya", "--endpoint", "payinSubmit"],
            "the kenya area has no endpoint 'payinSubmit': queryPayOutResult, queryPayInResult",
        ),
    ],
)
def test_an_unknown_area_or_endpoint_is_exit_2(
    argv: list[str], error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "example", *argv)
    assert (code, out) == (2, "")
    assert err.startswith(f"vexora-sandbox example: {error}")


def test_serving_never_imports_faker() -> None:
    code = (
        "import sys, vexora_sandbox.cli, vexora_sandbox.app; "
        "vexora_sandbox.cli.build_parser(); "
        "assert 'faker' not in sys.modules, 'faker was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- status, replay, force -------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(clock="manual", admin_token="cli-token") as server:
        yield server


@pytest.fixture
def running(
    sandbox: SandboxServer, receiver: CallbackReceiver, monkeypatch: pytest.MonkeyPatch
) -> SandboxServer:
    """The sandbox, reset, with one payout T1 whose SUCCESS callback was acknowledged."""
    monkeypatch.setenv("VEXORA_SANDBOX_URL", sandbox.url)
    monkeypatch.setenv("VEXORA_SANDBOX_ADMIN_TOKEN", "cli-token")
    receiver.secret = sandbox.secret
    sandbox.reset()
    sandbox.payout(tradeNo="T1", amount="250", notifyUrl=receiver.url)
    sandbox.admin.advance_clock(2)
    receiver.wait_for("T1", status="0000", timeout=5)
    return sandbox


def running_time(sandbox: SandboxServer, seconds: float) -> str:
    """The sandbox clock's time ``seconds`` after the payout T1, as ``status`` prints it."""
    order = sandbox.admin.transaction("T1")
    stamp = datetime.fromtimestamp(order["createdAt"] / 1000 + seconds, UTC)
    return stamp.strftime("%Y-%m-%d %H:%M:%S UTC")


def callback_ids(sandbox: SandboxServer, trade_no: str) -> list[int]:
    """Callback ids keep counting across resets: never assume one."""
    return [c["id"] for c in sandbox.admin.callbacks(tradeNo=trade_no)]


def test_status_lists_the_orders(
    running: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "status")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"vexora-sandbox 0.1.0 at {running.url}: 1 order(s)"
    assert lines[1].split() == ["0000000001", "T1", "disbursements", "250", "0000", "SUCCESS"]


def test_status_of_one_order_shows_history_and_callback_attempts(
    running: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "status", "T1")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("T1 (VXP0000000001")
    assert lines[0].endswith("merchant 0000000001, disbursements 250: 0000 SUCCESS")
    assert lines[1] == f"  status 0000 SUCCESS at {running_time(running, 2)}"
    (first,) = callback_ids(running, "T1")
    assert lines[2:] == [
        f"  callback {first}: status 0000 (scenario), acknowledged",
        f"    attempt 1 at {running_time(running, 2)}: HTTP 200 'OK'",
    ]


def test_status_json(running: SandboxServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "status", "T1", "--json")
    assert code == 0
    answer = json.loads(out)
    assert (answer["tradeNo"], answer["status"]) == ("T1", "0000")
    assert [c["id"] for c in answer["callbacks"]] == callback_ids(running, "T1")
    assert "sandbox-secret" not in out


def test_force_moves_the_order_and_sends_the_callback(
    running: SandboxServer, receiver: CallbackReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    running.payout(tradeNo="T2", accountNo="000000000990015", notifyUrl=receiver.url)
    code, out, _ = run(capsys, "force", "T2", "00029", "--message", "LATE_REVERSAL")
    assert code == 0
    (forced,) = callback_ids(running, "T2")
    assert out == f"T2: 0015 -> 00029 (applied); callback {forced} sent to {receiver.url}\n"
    callback = receiver.wait_for("T2", timeout=5)
    assert (callback.status, callback.body["message"], callback.sign_valid) == (
        "00029",
        "LATE_REVERSAL",
        True,
    )
    assert running.admin.transaction("T2")["status"] == "00029"


def test_force_out_of_a_final_status_says_it_was_not_applied(
    running: SandboxServer, receiver: CallbackReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "force", "T1", "00029")
    assert code == 0
    assert "(not applied: the order keeps its status)" in out
    assert receiver.wait_for("T1", status="00029", timeout=5).sign_valid


def test_replay_sends_the_same_bytes_again(
    running: SandboxServer, receiver: CallbackReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    (first_id,) = callback_ids(running, "T1")
    code, out, _ = run(capsys, "replay", str(first_id))
    assert code == 0
    assert out == f"callback {first_id} is being sent again as callback {first_id + 1}\n"
    again = receiver.wait_for("T1", status="0000", count=2, timeout=5)
    assert again.raw == receiver.matching("T1", "0000")[0].raw


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["status", "NOPE"], "the sandbox answered HTTP 404: no order with tradeNo NOPE"),
        (["replay", "999999"], "the sandbox answered HTTP 404: no callback with id 999999"),
        (["force", "NOPE", "0000"], "the sandbox answered HTTP 404: no order with tradeNo NOPE"),
    ],
)
def test_admin_errors_are_exit_1_with_the_sandboxs_message(
    running: SandboxServer, argv: list[str], error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *argv) == (1, "", f"vexora-sandbox {argv[0]}: {error}\n")


def test_url_flag_beats_the_environment(
    running: SandboxServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEXORA_SANDBOX_URL", "http://127.0.0.1:9")
    code, _, _ = run(capsys, "status", "--url", running.url)
    assert code == 0


def test_no_sandbox_running_is_exit_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEXORA_SANDBOX_URL", "http://127.0.0.1:9")
    code, out, err = run(capsys, "status")
    assert (code, out) == (1, "")
    assert err == (
        "vexora-sandbox status: no sandbox answers at http://127.0.0.1:9 "
        "([Errno 111] Connection refused); start one with `vexora-sandbox serve` or pass --url\n"
    )


# --- as a real process -----------------------------------------------------------------


def test_sign_as_a_subprocess_reading_stdin() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vexora_sandbox", "sign", "--secret", "test_secret_123", "-"],
        input=b'{"timestamp":"1724151084278"}',
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == (
        "canonical: timestamp=1724151084278\nsign:      e2b46cbd8fd166ccc456043b51c537be\n"
    )
