"""Scenario files: every key and condition, the exact error for each kind of mistake,
matching order, directories and duplicate names (vexora_sandbox.scenarios.loader)."""

from __future__ import annotations

import re
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from vexora_sandbox.errors import ConfigError
from vexora_sandbox.protocol.names import ORDER_ENDPOINTS
from vexora_sandbox.scenarios.loader import load_scenarios, parse_duration, parse_scenarios
from vexora_sandbox.scenarios.matcher import choose
from vexora_sandbox.scenarios.model import (
    DEFAULT_SCENARIO,
    CallbackSpec,
    Condition,
    Match,
    ResponseSpec,
    Scenario,
)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_scenarios(path)
    return [str(p) for p in caught.value.problems]


def one(text: str) -> Scenario:
    (scenario,) = parse_scenarios(textwrap.dedent(text), "s.yaml")
    return scenario


# --- every key ------------------------------------------------------------------------


def test_every_key_is_read_into_the_model(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "all.yaml",
        """
        - name: everything
          description: >
            Every key
            at once.
          priority: 7
          match:
            endpoint: [disbursements, queryPayOutResult]
            merchantNo: ["0000000001", "0000000002"]
            area: indonesia
            account: {suffix: "990029"}
            body:
              amount: {gte: 100, lte: "5000.50"}
              remark: {exists: true}
          response:
            code: "5000"
            msg: busy
            status: "00029"
            message: REJECTED
            delay: 500ms
            fault: empty_body
          callbacks:
            - after: 3s
              status: "0000"
              message: SUCCESS
              amount: "99.50"
              sign: invalid
              repeat: 3
            - {after: 1m, status: "0015"}
        """,
    )
    (scenario,) = load_scenarios(path).scenarios
    assert scenario == Scenario(
        name="everything",
        description="Every key at once.",
        priority=7,
        match=Match(
            endpoints=("disbursements", "queryPayOutResult"),
            merchant_nos=("0000000001", "0000000002"),
            areas=("indonesia",),
            account=(Condition("suffix", "990029"),),
            body=(
                ("amount", (Condition("gte", Decimal(100)), Condition("lte", Decimal("5000.50")))),
                ("remark", (Condition("exists", "1"),)),
            ),
        ),
        response=ResponseSpec(
            code="5000",
            msg="busy",
            status="00029",
            message="REJECTED",
            delay=0.5,
            fault="empty_body",
        ),
        callbacks=(
            CallbackSpec(
                after=3.0,
                status="0000",
                message="SUCCESS",
                amount="99.50",
                sign="invalid",
                repeat=3,
            ),
            CallbackSpec(after=60.0, status="0015"),
        ),
        source=str(path),
        line=1,
    )


def test_a_scenario_with_only_a_name_takes_the_defaults() -> None:
    scenario = one("- name: bare\n")
    assert scenario.match == Match(endpoints=tuple(ORDER_ENDPOINTS))
    assert scenario.response == ResponseSpec(code="0000", status="0015", delay=0.0, fault=None)
    assert scenario.response.status_message == "Processing"
    assert (scenario.callbacks, scenario.priority, scenario.description) == ((), 0, "")


def test_a_callback_takes_default_message_sign_and_repeat() -> None:
    scenario = one('- {name: c, callbacks: [{after: 3s, status: "60019"}]}')
    (callback,) = scenario.callbacks
    assert callback == CallbackSpec(after=3.0, status="60019", sign="valid", repeat=1)
    assert callback.status_message == "INSUFFICIENT_FUNDS"


def test_null_sections_mean_their_defaults() -> None:
    scenario = one(
        "- {name: n, match: null, response: null, callbacks: null,"
        " response: {msg: null, message: null, fault: null}}"
    )
    assert scenario.response == ResponseSpec()
    assert scenario.match == Match()


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("3s", 3.0),
        ("500ms", 0.5),
        ("2m", 120.0),
        ("1h", 3600.0),
        ("1.5s", 1.5),
        ("3", 3.0),
        (" 10 s ", 10.0),
        (5, 5.0),
        (2.5, 2.5),
        (0, 0.0),
    ],
)
def test_durations(raw: object, seconds: float) -> None:
    assert parse_duration(raw) == seconds


@pytest.mark.parametrize("raw", ["3d", "-1s", "1e3", "s", "", "3 s s", True, -1, float("inf")])
def test_bad_durations_are_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(raw)


# --- conditions -------------------------------------------------------------------------


def matching(scenario_text: str, body: dict[str, str | bool | None], **call: str | None) -> bool:
    scenario = one(scenario_text)
    chosen = choose(
        (scenario,),
        endpoint=call.get("endpoint") or "disbursements",
        merchant_no=call.get("merchant_no") or "0000000001",
        area=call.get("area") or "default",
        account_field=call.get("account_field", "accountNo"),
        body=body,
    )
    return chosen is scenario


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ("{equals: abc}", "abc", True),
        ("{equals: abc}", "abcd", False),
        ("abc", "abc", True),  # a bare value means equals
        ("abc", "ABC", False),
        ("{in: [a, b]}", "b", True),
        ("{in: [a, b]}", "c", False),
        ("{regex: '^9+0$'}", "9990", True),
        ("{regex: '99'}", "1992", True),  # search, not a full match
        ("{regex: '^99$'}", "1992", False),
        ("{prefix: '88'}", "880123", True),
        ("{prefix: '88'}", "080123", False),
        ("{suffix: '29'}", "990029", True),
        ("{suffix: '29'}", "990028", False),
        ("{gte: 100}", "100", True),
        ("{gte: 100}", "99.99", False),
        ("{gte: 100}", "100.00", True),
        ("{gte: 100}", "abc", False),  # not a number: no match
        ("{gte: 100}", "NaN", False),
        ("{lte: '10.5'}", "10.50", True),
        ("{lte: '10.5'}", "10.51", False),
        ("{gte: 100, lte: 200}", "150", True),  # all conditions must hold
        ("{gte: 100, lte: 200}", "250", False),
        ("{exists: true}", "x", True),
        ("{exists: false}", "x", False),
    ],
)
def test_each_condition_on_a_body_field(condition: str, value: str, expected: bool) -> None:
    scenario = f"- {{name: c, match: {{body: {{remark: {condition}}}}}}}"
    assert matching(scenario, {"remark": value}) is expected


def test_exists_tests_presence() -> None:
    assert matching("- {name: c, match: {body: {remark: {exists: false}}}}", {}) is True
    assert matching("- {name: c, match: {body: {remark: {exists: true}}}}", {}) is False
    assert (
        matching("- {name: c, match: {body: {remark: {exists: true}}}}", {"remark": None}) is False
    )
    # Any other condition on an absent field does not hold.
    assert matching("- {name: c, match: {body: {remark: {prefix: ''}}}}", {}) is False


def test_condition_values_are_the_text_written_in_the_file() -> None:
    # YAML reads 0012 as the octal number 10, 100.50 as 100.5 and yes as true; a condition
    # compares text, so what the file says is what is compared.
    scenario = one(
        "- {name: c, match: {account: {suffix: 0012},"
        " body: {amount: {equals: 100.50}, ok: yes, n: {in: [007, 1.0]}}}}"
    )
    assert scenario.match.account == (Condition("suffix", "0012"),)
    assert dict(scenario.match.body) == {
        "amount": (Condition("equals", "100.50"),),
        "ok": (Condition("equals", "true"),),
        "n": (Condition("in", ("007", "1.0")),),
    }
    body: dict[str, str | bool | None] = {
        "accountNo": "880000000012",
        "amount": "100.50",
        "ok": True,  # a JSON boolean in the body matches as true
        "n": "007",
    }
    assert matching(
        "- {name: c, match: {account: {suffix: 0012},"
        " body: {amount: {equals: 100.50}, ok: yes, n: {in: [007, 1.0]}}}}",
        body,
    )


def test_a_callback_amount_is_the_text_written() -> None:
    (callback,) = one(
        '- {name: c, callbacks: [{after: 1s, status: "0001", amount: 50.50}]}'
    ).callbacks
    assert callback.amount == "50.50"


def test_endpoint_merchant_and_area_each_restrict_the_match() -> None:
    text = (
        "- {name: c, match: {endpoint: checkout, merchantNo: '0000000002', area: [brazil, india]}}"
    )
    assert matching(text, {}, endpoint="checkout", merchant_no="0000000002", area="india")
    assert not matching(text, {}, endpoint="disbursements", merchant_no="0000000002", area="india")
    assert not matching(text, {}, endpoint="checkout", merchant_no="0000000001", area="india")
    assert not matching(text, {}, endpoint="checkout", merchant_no="0000000002", area="chile")


def test_without_endpoint_a_scenario_matches_order_creation_only() -> None:
    text = "- {name: c}"
    for endpoint in ("disbursements", "checkout", "deposits"):
        assert matching(text, {}, endpoint=endpoint)
    for endpoint in ("queryPayOutResult", "queryPayInResult", "queryBalance", "payinSubmit"):
        assert not matching(text, {}, endpoint=endpoint)


def test_account_tests_the_areas_account_field() -> None:
    text = "- {name: c, match: {account: {suffix: '990029'}}}"
    body: dict[str, str | bool | None] = {"accountNo": "1", "bankAccountNo": "5464990029"}
    assert matching(text, body, account_field="bankAccountNo")
    assert not matching(text, body, account_field="accountNo")
    # An endpoint without an account field: account conditions see nothing.
    assert not matching(text, body, account_field=None)
    assert matching("- {name: c, match: {account: {exists: false}}}", body, account_field=None)


def test_nothing_matching_gives_the_built_in_default() -> None:
    scenario = one("- {name: c, match: {account: {suffix: '990029'}}}")
    chosen = choose(
        (scenario,),
        endpoint="disbursements",
        merchant_no="0000000001",
        area="default",
        account_field="accountNo",
        body={"accountNo": "123"},
    )
    assert chosen is DEFAULT_SCENARIO
    assert chosen.response == ResponseSpec(code="0000", status="0015")
    assert chosen.callbacks == (CallbackSpec(after=2.0, status="0000", message="SUCCESS"),)


# --- broken files: file:line: key.path: message ------------------------------------------

BROKEN = [
    (
        "an unknown key",
        """
        - name: a
          colour: red
        """,
        [
            "{f}:2: [0].colour: unknown key 'colour'; expected one of name, description, "
            "priority, match, response, callbacks"
        ],
    ),
    (
        "an unknown match key",
        """
        - name: a
          match:
            acount: {suffix: "1"}
        """,
        [
            "{f}:3: [0].match.acount: unknown key 'acount'; expected one of endpoint, "
            "merchantNo, area, account, body"
        ],
    ),
    (
        "an unknown condition",
        """
        - name: a
          match:
            body:
              amount: {greater: 5}
        """,
        [
            "{f}:4: [0].match.body.amount.greater: unknown key 'greater'; expected one of "
            "equals, in, regex, prefix, suffix, gte, lte, exists"
        ],
    ),
    (
        "an unknown response key",
        """
        - name: a
          response: {code: "0000", body: x}
        """,
        [
            "{f}:2: [0].response.body: unknown key 'body'; expected one of code, msg, status, "
            "message, delay, fault"
        ],
    ),
    (
        "an unknown callback key",
        """
        - name: a
          callbacks:
            - after: 1s
              status: "0000"
              delay: 2s
        """,
        [
            "{f}:5: [0].callbacks[0].delay: unknown key 'delay'; expected one of after, status, "
            "message, amount, sign, repeat"
        ],
    ),
    (
        "a priority that is no number",
        """
        - name: a
          priority: high
        """,
        ["{f}:2: [0].priority: must be a whole number; got a string ('high')"],
    ),
    (
        "a description that is a list",
        """
        - name: a
          description: [x]
        """,
        ["{f}:2: [0].description: must be a string; got a list"],
    ),
    (
        "a match that is a list",
        """
        - name: a
          match: [x]
        """,
        ["{f}:2: [0].match: must be a mapping; got a list"],
    ),
    (
        "a bad delay",
        """
        - name: a
          response: {delay: 3 days}
        """,
        ["{f}:2: [0].response.delay: must be a duration like 3s, 500ms, 2m or 1h; got '3 days'"],
    ),
    (
        "a negative delay",
        """
        - name: a
          response: {delay: -2}
        """,
        ["{f}:2: [0].response.delay: must not be negative; got -2"],
    ),
    (
        "an infinite delay",
        """
        - name: a
          response: {delay: .inf}
        """,
        ["{f}:2: [0].response.delay: must be a finite number of seconds; got inf"],
    ),
    (
        "a bad after",
        """
        - name: a
          callbacks:
            - {after: soon, status: "0000"}
        """,
        ["{f}:3: [0].callbacks[0].after: must be a duration like 3s, 500ms, 2m or 1h; got 'soon'"],
    ),
    (
        "an unknown fault",
        """
        - name: a
          response:
            fault: http_502
        """,
        [
            "{f}:3: [0].response.fault: must be one of http_500, connection_reset, "
            "malformed_json, empty_body, timeout or null; got 'http_502'"
        ],
    ),
    (
        "an unquoted code",
        """
        - name: a
          response: {code: 5000}
        """,
        [
            '{f}:2: [0].response.code: must be a quoted string such as "0015"; YAML read the '
            "unquoted value as the number 5000"
        ],
    ),
    (
        "an unknown code",
        """
        - name: a
          response: {code: "1234"}
        """,
        ["{f}:2: [0].response.code: must be one of 0000, 5000, 8000; got '1234'"],
    ),
    (
        "an unquoted status",
        """
        - name: a
          callbacks: [{after: 1s, status: 0000}]
        """,
        [
            '{f}:2: [0].callbacks[0].status: must be a quoted string such as "0015"; YAML '
            "read the unquoted value as the number 0"
        ],
    ),
    (
        "a msg that is a number",
        """
        - name: a
          response: {msg: 12}
        """,
        ["{f}:2: [0].response.msg: must be a string; got a number (12)"],
    ),
    (
        "a callback without after and status",
        """
        - name: a
          callbacks:
            - {message: SUCCESS}
        """,
        [
            "{f}:3: [0].callbacks[0]: a callback needs 'after'",
            "{f}:3: [0].callbacks[0]: a callback needs 'status'",
        ],
    ),
    (
        "callbacks that are a mapping",
        """
        - name: a
          callbacks: {after: 1s}
        """,
        ["{f}:2: [0].callbacks: must be a list; got a mapping"],
    ),
    (
        "an unknown sign mode",
        """
        - name: a
          callbacks:
            - {after: 1s, status: "0000", sign: wrong}
        """,
        ["{f}:3: [0].callbacks[0].sign: must be one of valid, invalid, missing; got 'wrong'"],
    ),
    (
        "a repeat of 0",
        """
        - name: a
          callbacks:
            - {after: 1s, status: "0000", repeat: 0}
        """,
        ["{f}:3: [0].callbacks[0].repeat: must be a whole number from 1 to 100; got a number (0)"],
    ),
    (
        "an amount that is a boolean",
        """
        - name: a
          callbacks:
            - {after: 1s, status: "0000", amount: true}
        """,
        ["{f}:3: [0].callbacks[0].amount: must be an amount; got a boolean (true)"],
    ),
    (
        "a file that is a mapping",
        """
        name: a
        """,
        ["{f}:1: a scenario file must be a list of scenarios; got a mapping"],
    ),
    (
        "a scenario without a name",
        """
        - description: x
        """,
        ["{f}:1: [0]: a scenario needs a 'name'"],
    ),
    (
        "a name that is a number",
        """
        - name: 12
        """,
        ["{f}:1: [0].name: must be a non-empty string; got a number (12)"],
    ),
    (
        "a scenario that is a string",
        """
        - a
        """,
        ["{f}:1: [0]: must be a mapping; got a string ('a')"],
    ),
    (
        "an unknown endpoint",
        """
        - name: a
          match: {endpoint: payouts}
        """,
        [
            "{f}:2: [0].match.endpoint: must be one of disbursements, checkout, deposits, "
            "payinSubmit, payInSubmit, queryPayOutResult, queryPayInResult, queryBalance, "
            "kycApplyFor; "
            "got 'payouts'"
        ],
    ),
    (
        "an empty endpoint list",
        """
        - name: a
          match: {endpoint: []}
        """,
        [
            "{f}:2: [0].match.endpoint: must be a string or a non-empty list of strings; "
            "got an empty list"
        ],
    ),
    (
        "an unquoted merchantNo",
        """
        - name: a
          match:
            merchantNo: [0000000001]
        """,
        [
            '{f}:3: [0].match.merchantNo[0]: must be a quoted string such as "0015"; YAML '
            "read the unquoted value as the number 1"
        ],
    ),
    (
        "a body that is a list",
        """
        - name: a
          match: {body: [amount]}
        """,
        ["{f}:2: [0].match.body: must be a mapping of field to condition; got a list"],
    ),
    (
        "a condition that is null",
        """
        - name: a
          match: {body: {amount: null}}
        """,
        [
            "{f}:2: [0].match.body.amount: must be a value or a mapping of conditions; got "
            "nothing (null)"
        ],
    ),
    (
        "an empty condition mapping",
        """
        - name: a
          match: {body: {x: {}}}
        """,
        [
            "{f}:2: [0].match.body.x: needs at least one condition: equals, in, regex, "
            "prefix, suffix, gte, lte, exists"
        ],
    ),
    (
        "a bad regex",
        """
        - name: a
          match: {body: {x: {regex: '('}}}
        """,
        [
            "{f}:2: [0].match.body.x.regex: is not a valid regular expression: missing ), "
            "unterminated subpattern at position 0"
        ],
    ),
    (
        "a regex that is a number",
        """
        - name: a
          match: {body: {x: {regex: 12}}}
        """,
        [
            "{f}:2: [0].match.body.x.regex: must be a regular expression as a string; "
            "got a number (12)"
        ],
    ),
    (
        "a gte that is no number",
        """
        - name: a
          match: {body: {x: {gte: lots}}}
        """,
        ["{f}:2: [0].match.body.x.gte: must be a number; got a string ('lots')"],
    ),
    (
        "a lte of NaN",
        """
        - name: a
          match: {body: {x: {lte: NaN}}}
        """,
        ["{f}:2: [0].match.body.x.lte: must be a number; got a string ('NaN')"],
    ),
    (
        "an exists that is no boolean",
        """
        - name: a
          match: {body: {x: {exists: "yes"}}}
        """,
        ["{f}:2: [0].match.body.x.exists: must be true or false; got a string ('yes')"],
    ),
    (
        "an empty in",
        """
        - name: a
          match: {account: {in: []}}
        """,
        ["{f}:2: [0].match.account.in: must be a non-empty list; got an empty list"],
    ),
    (
        "an in holding a mapping",
        """
        - name: a
          match:
            account:
              in:
                - "1"
                - {x: 1}
        """,
        ["{f}:6: [0].match.account.in[1]: must be a single value; got a mapping"],
    ),
    (
        "an equals holding a list",
        """
        - name: a
          match: {account: {equals: [1]}}
        """,
        ["{f}:2: [0].match.account.equals: must be a single value; got a list"],
    ),
    (
        "invalid YAML",
        """
        - name: a
          match: {body: [
        """,
        ["{f}:3: invalid YAML: did not find expected node content"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_a_broken_file_names_file_line_and_key_path(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = write(tmp_path, "broken.yaml", text)
    assert problems(path) == [e.format(f=path) for e in expected]


def test_every_problem_of_every_file_is_reported(tmp_path: Path) -> None:
    a = write(
        tmp_path,
        "a.yaml",
        """
        - name: one
          response: {fault: boom, delay: forever}
        - name: two
          callbacks: [{after: 1s, status: "0000", sign: maybe}]
        """,
    )
    b = write(tmp_path, "b.yaml", "- {name: three, priority: x}\n")
    assert problems(tmp_path) == [
        f"{a}:2: [0].response.delay: must be a duration like 3s, 500ms, 2m or 1h; got 'forever'",
        f"{a}:2: [0].response.fault: must be one of http_500, connection_reset, malformed_json, "
        "empty_body, timeout or null; got 'boom'",
        f"{a}:4: [1].callbacks[0].sign: must be one of valid, invalid, missing; got 'maybe'",
        f"{b}:1: [0].priority: must be a whole number; got a string ('x')",
    ]


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    assert problems(tmp_path / "nope.yaml") == [
        f"{tmp_path / 'nope.yaml'}: no such file or directory"
    ]


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"- name: caf\xe9\n")
    assert problems(path) == [
        f"{path}: cannot read the file: 'utf-8' codec can't decode byte 0xe9 in position 11: "
        "invalid continuation byte"
    ]


# --- order, directories, names -----------------------------------------------------------


def test_priority_first_then_file_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.yaml",
        """
        - {name: first}
        - {name: low, priority: -1}
        - {name: high, priority: 10}
        - {name: second}
        - {name: also-high, priority: 10}
        """,
    )
    names = [s.name for s in load_scenarios(path).scenarios]
    assert names == ["high", "also-high", "first", "second", "low"]


def test_the_first_match_in_that_order_wins(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.yaml",
        """
        - {name: general, match: {account: {suffix: "29"}}}
        - {name: specific, priority: 1, match: {account: {suffix: "990029"}}}
        - {name: later-same, match: {account: {suffix: "0029"}}}
        """,
    )
    loaded = load_scenarios(path).scenarios

    def chosen(account: str) -> str:
        return choose(
            loaded,
            endpoint="disbursements",
            merchant_no="0000000001",
            area="default",
            account_field="accountNo",
            body={"accountNo": account},
        ).name

    assert chosen("1990029") == "specific"
    assert chosen("1000029") == "general"  # file order between equal priorities
    assert chosen("1000028") == "default"


def test_a_directory_is_read_recursively_in_path_order(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", "- {name: b}\n")
    write(tmp_path, "a.yml", "- {name: a}\n")
    write(tmp_path, "sub/c.yaml", "- {name: c}\n- {name: c2}\n")
    write(tmp_path, "empty.yaml", "# nothing here yet\n")
    write(tmp_path, "notes.txt", "- {name: not-a-scenario}\n")
    write(tmp_path, "README.md", "not yaml: [\n")
    loaded = load_scenarios(tmp_path)
    assert [s.name for s in loaded.scenarios] == ["a", "b", "c", "c2"]
    assert loaded.files == tuple(
        str(tmp_path / n) for n in ("a.yml", "b.yaml", "empty.yaml", "sub/c.yaml")
    )
    assert loaded.scenarios[2].source == str(tmp_path / "sub/c.yaml")
    assert loaded.scenarios[3].line == 2


def test_an_empty_file_holds_no_scenarios(tmp_path: Path) -> None:
    assert load_scenarios(write(tmp_path, "e.yaml", "")).scenarios == ()


def test_a_name_used_twice_in_a_file_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.yaml",
        """
        - name: twin
        - name: other
        - name: twin
        """,
    )
    assert problems(path) == [
        f"{path}:3: name: scenario name 'twin' is used twice (first at {path}:1)"
    ]


def test_a_name_used_in_two_files_is_an_error(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "- name: x\n- name: twin\n")
    b = write(tmp_path, "b.yaml", "- name: twin\n")
    assert problems(tmp_path) == [
        f"{b}:1: name: scenario name 'twin' is used twice (first at {a}:2)"
    ]


def test_the_scenario_summary_names_its_source_line() -> None:
    scenario = one('- {name: c, priority: 2, callbacks: [{after: 2s, status: "0000", repeat: 2}]}')
    assert scenario.as_json() == {
        "name": "c",
        "description": "",
        "priority": 2,
        "source": "s.yaml:1",
        "endpoints": list(ORDER_ENDPOINTS),
        "response": {"code": "0000", "status": "0015", "delay": 0.0, "fault": None},
        "callbacks": [{"after": 2.0, "status": "0000", "sign": "valid", "repeat": 2}],
    }


def test_regex_conditions_are_compiled_once() -> None:
    scenario = one("- {name: c, match: {body: {x: {regex: '^a'}}}}")
    ((_, (condition,)),) = scenario.match.body
    assert isinstance(condition.value, re.Pattern)


def test_a_duplicate_name_is_found_even_in_a_file_with_other_problems(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "- {name: twin, priority: x}\n")
    b = write(tmp_path, "b.yaml", "- {name: twin}\n")
    assert problems(tmp_path) == [
        f"{a}:1: [0].priority: must be a whole number; got a string ('x')",
        f"{b}:1: name: scenario name 'twin' is used twice (first at {a}:1)",
    ]


def test_scenarios_without_a_name_are_not_reported_as_duplicates(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "- {description: x}\n- {name: ''}\n")
    b = write(tmp_path, "b.yaml", "- {description: y}\n")
    assert problems(tmp_path) == [
        f"{a}:1: [0]: a scenario needs a 'name'",
        f"{a}:2: [1].name: must be a non-empty string; got a string ('')",
        f"{b}:1: [0]: a scenario needs a 'name'",
    ]


def test_problems_are_listed_in_line_order(tmp_path: Path) -> None:
    # The loader reads priority before response; the report follows the file.
    path = write(
        tmp_path,
        "s.yaml",
        """
        - response: {fault: boom}
          name: a
          priority: high
        """,
    )
    assert [p.split(": ")[0] for p in problems(path)] == [f"{path}:1", f"{path}:3"]
