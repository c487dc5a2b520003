"""SandboxConfig and load_config: the only place that reads ``os.environ``.

Every setting has a flag, an environment variable and a config-file key of the same
meaning. Flags win over the environment, the environment over the file, the file over the
defaults. ``docs/configuration.md`` lists them all.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from vexora_sandbox.domain.store import Merchant
from vexora_sandbox.errors import ConfigError, ConfigProblem
from vexora_sandbox.yamlfile import YamlDoc, read_yaml

DEFAULT_MERCHANT = Merchant("0000000001", "sandbox-secret", "default")
# The gateway's retry schedule after an unacknowledged callback (docs: "Asynchronous notification").
GATEWAY_RETRIES = (2.0, 5.0, 10.0, 30.0, 3600.0, 10800.0, 10800.0, 10800.0)
ENV_PREFIX = "VEXORA_SANDBOX_"


@dataclass(frozen=True)
class SandboxConfig:
    """Everything the sandbox needs to run; immutable once loaded."""

    host: str = "127.0.0.1"
    port: int = 8080
    merchants: tuple[Merchant, ...] = (DEFAULT_MERCHANT,)
    validation: Literal["strict", "lenient"] = "strict"
    seed: int | None = None
    scenarios: str | None = None
    watch: bool = False
    time_scale: float = 1.0
    clock: Literal["system", "manual"] = "system"
    callback_ack: tuple[str, ...] = ("OK",)
    callback_timeout: float = 10.0
    callback_retries: tuple[float, ...] = GATEWAY_RETRIES
    callback_concurrency: int = 64
    callback_max_response: int = 64 * 1024
    journal_size: int = 10_000
    admin_token: str | None = None
    max_body_bytes: int = 1024 * 1024
    timestamp_window: float | None = None
    # Japan's and South Korea's per-IP daily pay-in limits (docs/flows.md); off: tests of
    # many pay-ins from one test IP would hit them.
    ip_daily_limits: bool = False
    # Collections settle on T+1 (https://docs.vexora.com/guide/areas/ "queryBalance").
    settlement_delay: float = 86400.0
    areas_dir: str | None = None
    public_url: str | None = None
    keepalive_timeout: float = 60.0
    expected_sign: Literal["auto", "on", "off"] = "auto"
    log_level: str = "info"
    log_format: Literal["human", "json"] = "human"
    quiet: bool = False
    # An SQLite file keeping orders, ledgers and callbacks across restarts; None: memory.
    state: str | None = None
    config_file: str | None = None

    def merchant(self, merchant_no: str) -> Merchant | None:
        return next((m for m in self.merchants if m.merchant_no == merchant_no), None)

    def replace(self, **changes: Any) -> SandboxConfig:
        return dataclasses.replace(self, **changes)


# --- parsing helpers: each takes a raw value and returns the typed one or raises ValueError


def _int(lo: int, hi: int) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        if isinstance(raw, bool):
            raise ValueError(f"must be a whole number; got {raw!r}")
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ValueError(f"must be a whole number; got {raw!r}") from None
        if not lo <= value <= hi:
            raise ValueError(f"must be between {lo} and {hi}; got {value}")
        return value

    return parse


def _positive_float(raw: Any, *, zero_ok: bool = False) -> float:
    if isinstance(raw, bool):
        raise ValueError(f"must be a number; got {raw!r}")
    try:
        value = float(str(raw).strip().removesuffix("s"))
    except ValueError:
        raise ValueError(f"must be a number; got {raw!r}") from None
    if value < 0 or (value == 0 and not zero_ok) or value != value or value == float("inf"):
        raise ValueError(
            f"must be a {'non-negative' if zero_ok else 'positive'} number; got {raw!r}"
        )
    return value


def _float(raw: Any) -> float:
    return _positive_float(raw)


def _float0(raw: Any) -> float:
    return _positive_float(raw, zero_ok=True)


def _optional_float(raw: Any) -> float | None:
    if raw is None or str(raw).strip().lower() in ("", "off", "none"):
        return None
    return _positive_float(raw)


def _choice(*allowed: str) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        value = str(raw).strip().lower()
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}; got {raw!r}")
        return value

    return parse


def _text(raw: Any) -> str:
    if not isinstance(raw, str | int) or isinstance(raw, bool) or str(raw) == "":
        raise ValueError(f"must be a non-empty string; got {raw!r}")
    return str(raw)


def _optional_text(raw: Any) -> str | None:
    return None if raw is None or raw == "" else _text(raw)


def _state(raw: Any) -> str | None:
    """A state file's path; ``:memory:`` (or empty) keeps the state in memory."""
    if raw is None or raw == "" or raw == ":memory:":
        return None
    return _text(raw)


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"must be true or false; got {raw!r}")


def _text_list(raw: Any) -> tuple[str, ...]:
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not items:
        raise ValueError(f"must be a non-empty list of strings; got {raw!r}")
    return tuple(_text(item) if isinstance(raw, list) else str(item).strip() for item in items)


def _durations(raw: Any) -> tuple[float, ...]:
    items = raw.split(",") if isinstance(raw, str) else raw
    if isinstance(raw, str) and not raw.strip():
        return ()
    if not isinstance(items, list | tuple):
        raise ValueError(f"must be a list of durations in seconds; got {raw!r}")
    return tuple(_float0(item) for item in items)


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[Any], Any]
    file_key: str
    help: str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("host", _text, "host", "address to listen on"),
    Setting("port", _int(0, 65535), "port", "port to listen on (0 picks a free one)"),
    Setting(
        "validation",
        _choice("strict", "lenient"),
        "validation",
        "strict checks every field rule; lenient only presence and types",
    ),
    Setting("seed", _int(0, 2**63), "seed", "makes platform order numbers reproducible"),
    Setting("scenarios", _optional_text, "scenarios", "scenario file or directory"),
    Setting("watch", _bool, "watch", "reload scenarios when a file changes"),
    Setting(
        "time_scale",
        _float,
        "time_scale",
        "multiplies every callback delay and retry interval (0.001: 1000x faster)",
    ),
    Setting(
        "clock",
        _choice("system", "manual"),
        "clock",
        "manual: business time moves only by POST /_sandbox/clock/advance",
    ),
    Setting(
        "callback_ack",
        _text_list,
        "callbacks.ack",
        "callback answers that count as acknowledged (comma-separated)",
    ),
    Setting("callback_timeout", _float, "callbacks.timeout", "seconds per callback attempt"),
    Setting(
        "callback_retries",
        _durations,
        "callbacks.retries",
        "seconds between retries of an unacknowledged callback",
    ),
    Setting(
        "callback_concurrency",
        _int(1, 10_000),
        "callbacks.concurrency",
        "callback requests in flight at once",
    ),
    Setting(
        "callback_max_response",
        _int(0, 64 * 1024 * 1024),
        "callbacks.max_response",
        "bytes of a callback answer read at most",
    ),
    Setting(
        "journal_size",
        _int(1, 10_000_000),
        "journal_size",
        "entries kept in each journal (requests, callback attempts)",
    ),
    Setting(
        "admin_token",
        _optional_text,
        "admin_token",
        "bearer token required by /_sandbox/ routes except health",
    ),
    Setting(
        "max_body_bytes",
        _int(1, 256 * 1024 * 1024),
        "max_body_bytes",
        "largest request body accepted",
    ),
    Setting(
        "timestamp_window",
        _optional_float,
        "timestamp_window",
        "reject requests whose timestamp is further than this many seconds from now",
    ),
    Setting(
        "ip_daily_limits",
        _bool,
        "ip_daily_limits",
        "apply Japan's and South Korea's per-IP daily pay-in limits",
    ),
    Setting(
        "settlement_delay",
        _float0,
        "settlement_delay",
        "seconds before collected pay-ins settle into available (scaled)",
    ),
    Setting("areas_dir", _optional_text, "areas_dir", "directory of extra area rule files"),
    Setting(
        "public_url",
        _optional_text,
        "public_url",
        "base URL used in payment links (default: the listening address)",
    ),
    Setting(
        "keepalive_timeout",
        _float,
        "keepalive_timeout",
        "seconds a connection may stay open without sending a complete request head "
        "(idle between requests, or sending its headers)",
    ),
    Setting(
        "expected_sign",
        _choice("auto", "on", "off"),
        "expected_sign",
        "send X-Sandbox-Expected-Sign on a sign error: on, off, or auto (only when listening "
        "on a loopback address)",
    ),
    Setting("log_level", _choice("debug", "info", "warning", "error"), "log_level", "log level"),
    Setting(
        "log_format",
        _choice("human", "json"),
        "log_format",
        "the console's lines: human, or one JSON object per line",
    ),
    Setting("quiet", _bool, "quiet", "print no line per call and callback attempt"),
    Setting(
        "state",
        _state,
        "state",
        "SQLite file keeping orders, balances and callbacks across restarts (:memory: for none)",
    ),
)
_BY_NAME = {s.name: s for s in SETTINGS}
_FILE_KEYS = {"merchants"} | {s.file_key.split(".")[0] for s in SETTINGS}
_CALLBACK_KEYS = {s.file_key.split(".")[1] for s in SETTINGS if s.file_key.startswith("callbacks.")}
_MERCHANT_KEYS = {"merchantNo", "secret", "area", "balance", "notifyUrl"}
_MERCHANT_NO = re.compile(r"[0-9]{10}")


def _file_values(doc: YamlDoc) -> tuple[dict[str, Any], list[ConfigProblem]]:
    problems: list[ConfigProblem] = []

    def problem(path: tuple[str | int, ...], message: str) -> None:
        key_path = ".".join(str(p) for p in path)
        problems.append(ConfigProblem(doc.source, message, doc.line_of(path), key_path))

    data = doc.data
    if data is None:
        return {}, problems
    if not isinstance(data, dict):
        problem((), f"the file must be a mapping of settings; got {type(data).__name__}")
        return {}, problems
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key not in _FILE_KEYS:
            problem((key,), f"unknown key {key!r}; expected one of {', '.join(sorted(_FILE_KEYS))}")
        elif key == "merchants":
            merchants = _merchants(raw, problem)
            if merchants:
                values["merchants"] = merchants
        elif key == "callbacks":
            if not isinstance(raw, dict):
                problem((key,), "must be a mapping")
                continue
            for sub, sub_raw in raw.items():
                if sub not in _CALLBACK_KEYS:
                    problem(
                        (key, sub),
                        f"unknown key {sub!r}; expected one of {', '.join(sorted(_CALLBACK_KEYS))}",
                    )
                    continue
                setting = _BY_NAME[f"callback_{sub}"]
                try:
                    values[setting.name] = setting.parse(sub_raw)
                except ValueError as exc:
                    problem((key, sub), str(exc))
        else:
            setting = next(s for s in SETTINGS if s.file_key == key)
            try:
                values[setting.name] = setting.parse(raw)
            except ValueError as exc:
                problem((key,), str(exc))
    return values, problems


def _merchants(
    raw: Any, problem: Callable[[tuple[str | int, ...], str], None]
) -> tuple[Merchant, ...]:
    if not isinstance(raw, list) or not raw:
        problem(("merchants",), "must be a non-empty list of merchants")
        return ()
    merchants: list[Merchant] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        path: tuple[str | int, ...] = ("merchants", index)
        if not isinstance(item, dict):
            problem(path, "must be a mapping with merchantNo and secret")
            continue
        ok = True
        for key in item:
            if key not in _MERCHANT_KEYS:
                problem(
                    (*path, key),
                    f"unknown key {key!r}; expected one of {', '.join(sorted(_MERCHANT_KEYS))}",
                )
                ok = False
        number = item.get("merchantNo")
        if number is None:
            problem(path, "a merchant needs a merchantNo")
            ok = False
        elif not isinstance(number, str) or not _MERCHANT_NO.fullmatch(number):
            problem((*path, "merchantNo"), f"must be a 10-digit string in quotes; got {number!r}")
            ok = False
        elif number in seen:
            problem((*path, "merchantNo"), f"merchant {number} is listed twice")
            ok = False
        secret = item.get("secret")
        if secret is None or secret == "":
            problem(path, "a merchant needs a secret")
            ok = False
        elif not isinstance(secret, str):
            problem((*path, "secret"), f"must be a string; got {secret!r}")
            ok = False
        area = item.get("area", "default")
        if not isinstance(area, str) or not area:
            problem((*path, "area"), f"must be an area name; got {area!r}")
            ok = False
        balance = DEFAULT_MERCHANT.balance
        if "balance" in item:
            try:
                balance = Decimal(str(item["balance"]))
                if isinstance(item["balance"], bool) or balance < 0 or not balance.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                problem(
                    (*path, "balance"), f"must be a non-negative amount; got {item['balance']!r}"
                )
                ok = False
        notify_url = item.get("notifyUrl", "")
        if not isinstance(notify_url, str) or (
            notify_url and not notify_url.lower().startswith(("http://", "https://"))
        ):
            problem((*path, "notifyUrl"), f"must be an http(s) URL; got {notify_url!r}")
            ok = False
        if ok:
            assert isinstance(number, str) and isinstance(secret, str) and isinstance(area, str)
            assert isinstance(notify_url, str)
            seen.add(number)
            merchants.append(Merchant(number, secret, area, balance, notify_url))
    return tuple(merchants)


def load_config(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    file: str | None = None,
) -> SandboxConfig:
    """Merge defaults < file < environment < flags; raise ConfigError naming every problem.

    ``flags`` holds setting names (``port``, ``time_scale``...) with None for "not given".
    ``file`` defaults to ``flags["config"]``, then ``VEXORA_SANDBOX_CONFIG``.
    """
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    environ = environ or {}
    path = flags.pop("config", None) or file or environ.get(ENV_PREFIX + "CONFIG") or None
    values: dict[str, Any] = {}
    problems: list[ConfigProblem] = []
    if path:
        doc = read_yaml(path)
        from_file, problems = _file_values(doc)
        values.update(from_file)
        values["config_file"] = path
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is None or raw == "":
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as exc:
            problems.append(ConfigProblem(setting.env, str(exc)))
    for name, raw in flags.items():
        known = _BY_NAME.get(name)
        if known is None:
            values[name] = raw
            continue
        try:
            values[name] = known.parse(raw)
        except ValueError as exc:
            problems.append(ConfigProblem("--" + name.replace("_", "-"), str(exc)))
    if problems:
        raise ConfigError(problems)
    return SandboxConfig(**values)
