"""load_config: flags > environment > file > defaults, and errors that point at the mistake."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from vexora_sandbox.config import DEFAULT_MERCHANT, SandboxConfig, load_config
from vexora_sandbox.domain.store import Merchant
from vexora_sandbox.errors import ConfigError


def write(tmp_path: Path, text: str, name: str = "sandbox.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def config_error(
    flags: dict[str, object] | None = None,
    environ: dict[str, str] | None = None,
    file: str | None = None,
) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(flags, environ, file)
    return str(info.value)


# --- precedence ----------------------------------------------------------------------


def test_defaults() -> None:
    config = load_config({}, {}, None)
    assert config == SandboxConfig()
    assert (config.host, config.port, config.seed, config.validation) == (
        "127.0.0.1",
        8080,
        None,
        "strict",
    )
    assert config.merchants == (Merchant("0000000001", "sandbox-secret", "default"),)


FILE = "host: 0.0.0.0\nport: 9001\nseed: 11\nvalidation: lenient\n"
ENV = {
    "VEXORA_SANDBOX_HOST": "127.0.0.2",
    "VEXORA_SANDBOX_PORT": "9002",
    "VEXORA_SANDBOX_SEED": "12",
    "VEXORA_SANDBOX_VALIDATION": "strict",
}
FLAGS = {"host": "127.0.0.3", "port": "9003", "seed": "13", "validation": "lenient"}


def settings(config: SandboxConfig) -> tuple[object, ...]:
    return (config.host, config.port, config.seed, config.validation)


def test_the_file_beats_the_defaults(tmp_path: Path) -> None:
    config = load_config({}, {}, write(tmp_path, FILE))
    assert settings(config) == ("0.0.0.0", 9001, 11, "lenient")


def test_the_environment_beats_the_file(tmp_path: Path) -> None:
    config = load_config({}, ENV, write(tmp_path, FILE))
    assert settings(config) == ("127.0.0.2", 9002, 12, "strict")


def test_flags_beat_the_environment(tmp_path: Path) -> None:
    config = load_config(FLAGS, ENV, write(tmp_path, FILE))
    assert settings(config) == ("127.0.0.3", 9003, 13, "lenient")


def test_the_environment_alone_beats_the_defaults() -> None:
    assert settings(load_config({}, ENV, None)) == ("127.0.0.2", 9002, 12, "strict")


def test_flags_alone_beat_the_defaults() -> None:
    assert settings(load_config(FLAGS, {}, None)) == ("127.0.0.3", 9003, 13, "lenient")


def test_flags_not_given_and_empty_variables_do_not_override(tmp_path: Path) -> None:
    flags = {"host": None, "port": None, "seed": None, "validation": None}
    environ = {"VEXORA_SANDBOX_PORT": "", "VEXORA_SANDBOX_HOST": ""}
    config = load_config(flags, environ, write(tmp_path, FILE))
    assert settings(config) == ("0.0.0.0", 9001, 11, "lenient")


def test_each_setting_is_taken_from_where_it_is_given(tmp_path: Path) -> None:
    config = load_config(
        {"seed": "13"}, {"VEXORA_SANDBOX_PORT": "9002"}, write(tmp_path, "host: 0.0.0.0\n")
    )
    assert settings(config) == ("0.0.0.0", 9002, 13, "strict")


def test_port_zero_and_seed_zero_are_values_not_absence() -> None:
    config = load_config({"port": "0", "seed": "0"}, {}, None)
    assert (config.port, config.seed) == (0, 0)


def test_the_config_file_can_be_named_by_flag_or_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "port: 9001\n")
    assert load_config({"config": path}, {}, None).port == 9001
    assert load_config({}, {"VEXORA_SANDBOX_CONFIG": path}, None).port == 9001
    assert load_config({}, {"VEXORA_SANDBOX_CONFIG": path}, None).config_file == path


def test_an_empty_file_means_the_defaults(tmp_path: Path) -> None:
    config = load_config({}, {}, write(tmp_path, "# nothing yet\n"))
    assert settings(config) == settings(SandboxConfig())
    assert config.merchants == (DEFAULT_MERCHANT,)


# --- merchants -----------------------------------------------------------------------


def test_a_file_lists_merchants_with_secret_area_and_balance(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "merchants:\n"
        '  - merchantNo: "0000000002"\n'
        "    secret: s2\n"
        "    area: default\n"
        '    balance: "2500.50"\n'
        '  - merchantNo: "0000000003"\n'
        "    secret: s3\n",
    )
    assert load_config({}, {}, path).merchants == (
        Merchant("0000000002", "s2", "default", Decimal("2500.50")),
        Merchant("0000000003", "s3", "default", DEFAULT_MERCHANT.balance),
    )


# --- broken files: exact messages ----------------------------------------------------


def test_unknown_key(tmp_path: Path) -> None:
    path = write(tmp_path, "port: 9000\nprot: 9001\n")
    assert config_error(file=path) == (
        f"{path}:2: prot: unknown key 'prot'; expected one of admin_token, areas_dir, "
        "callbacks, clock, expected_sign, host, ip_daily_limits, journal_size, keepalive_timeout, "
        "log_format, log_level, max_body_bytes, merchants, port, public_url, quiet, scenarios, "
        "seed, settlement_delay, sign_answers, state, time_scale, timestamp_window, "
        "validation, watch"
    )


def test_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path, "host: 127.0.0.1\nport: eighty\n")
    assert config_error(file=path) == f"{path}:2: port: must be a whole number; got 'eighty'"


def test_wrong_choice(tmp_path: Path) -> None:
    path = write(tmp_path, "validation: loose\n")
    assert config_error(file=path) == (
        f"{path}:1: validation: must be one of strict, lenient; got 'loose'"
    )


def test_merchant_without_secret(tmp_path: Path) -> None:
    path = write(
        tmp_path, 'port: 9000\nmerchants:\n  - merchantNo: "0000000002"\n    area: default\n'
    )
    assert config_error(file=path) == f"{path}:3: merchants[0]: a merchant needs a secret"


def test_merchant_with_an_unknown_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'merchants:\n  - merchantNo: "0000000002"\n    secret: s2\n  - merchantNo: "0000000003"\n'
        "    secret: s3\n    secert: typo\n",
    )
    assert config_error(file=path) == (
        f"{path}:6: merchants[1].secert: unknown key 'secert'; "
        "expected one of area, balance, merchantNo, notifyUrl, secret"
    )


def test_merchant_with_wrong_types(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "merchants:\n  - merchantNo: 1234567890\n    secret: 42\n    balance: lots\n",
    )
    assert config_error(file=path) == (
        f"{path}:2: merchants[0].merchantNo: must be a 10-digit string in quotes; got 1234567890\n"
        f"{path}:3: merchants[0].secret: must be a string; got 42\n"
        f"{path}:4: merchants[0].balance: must be a non-negative amount; got 'lots'"
    )


def test_merchants_not_a_list(tmp_path: Path) -> None:
    path = write(tmp_path, "merchants:\n  merchantNo: '0000000002'\n")
    assert config_error(file=path) == f"{path}:1: merchants: must be a non-empty list of merchants"


def test_invalid_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "port: 9000\nmerchants: [\n  - a\n")
    # The parser's own words differ between libyaml and PyYAML's pure-Python parser.
    reason = (
        "did not find expected node content"
        if hasattr(yaml, "CSafeLoader")
        else "expected the node content, but found '-'"
    )
    assert config_error(file=path) == f"{path}:3: invalid YAML: {reason}"


def test_every_problem_of_a_file_is_listed(tmp_path: Path) -> None:
    path = write(tmp_path, "port: -1\nvalidation: sometimes\n")
    assert config_error(file=path) == (
        f"{path}:1: port: must be between 0 and 65535; got -1\n"
        f"{path}:2: validation: must be one of strict, lenient; got 'sometimes'"
    )


def test_a_missing_file(tmp_path: Path) -> None:
    path = str(tmp_path / "nowhere.yaml")
    assert config_error(file=path) == f"{path}: cannot read the file: No such file or directory"


def test_a_bad_environment_variable_and_flag_are_named() -> None:
    assert config_error(environ={"VEXORA_SANDBOX_PORT": "x"}) == (
        "VEXORA_SANDBOX_PORT: must be a whole number; got 'x'"
    )
    assert config_error(flags={"validation": "loose"}) == (
        "--validation: must be one of strict, lenient; got 'loose'"
    )
