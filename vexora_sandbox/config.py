"""SandboxConfig and load_config; the one home of every setting's names.

``SETTINGS`` describes each setting of the server once: ``serve``'s flags and the
``VEXORA_SANDBOX_*`` environment variables are generated from it, and each has a
config-file key. Flags win over the environment, the environment over the file, the file
over the defaults. ``CLIENT_VARIABLES`` names the variables the clients of a running
sandbox read (the pytest plugin, the remote commands). This module is the only one that
reads the sandbox's variables from ``os.environ``; the console's colours alone also look at
the terminal's own convention, ``NO_COLOR``. ``docs/configuration.md`` lists
them all.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from vexora_sandbox import setting_values as v
from vexora_sandbox.domain.store import DEFAULT_MERCHANT as DEFAULT_MERCHANT
from vexora_sandbox.domain.store import Merchant
from vexora_sandbox.errors import ConfigError, ConfigProblem
from vexora_sandbox.yamlfile import Reader, YamlDoc, read_yaml

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
    # Where callbacks' HTTP attempts run: a process of their own, or the serving loop.
    callback_delivery: Literal["auto", "process", "loop"] = "auto"
    journal_size: int = 10_000
    admin_token: str | None = None
    max_body_bytes: int = 1024 * 1024
    timestamp_window: float | None = None
    # Japan's and South Korea's per-IP daily pay-in limits (docs/flows.md); off: tests of
    # many pay-ins from one test IP would hit them.
    ip_daily_limits: bool = False
    # A sign on every answer to a known merchant (protocol.answer_sign): no page shows one.
    sign_answers: bool = False
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


@dataclass(frozen=True)
class Setting:
    """One setting: its flag of ``serve``, environment variable and file key, all derived
    from ``name`` but the file key, which groups the callback settings."""

    name: str
    parse: Callable[[Any], Any]
    file_key: str
    help: str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


SETTINGS: tuple[Setting, ...] = (
    Setting("host", v.parse_text, "host", "address to listen on"),
    Setting("port", v.parse_int(0, 65535), "port", "port to listen on; 0 picks a free one"),
    Setting(
        "validation",
        v.Choice(("strict", "lenient")),
        "validation",
        "strict checks every field rule; lenient only presence and types",
    ),
    Setting("seed", v.parse_int(0, 2**63), "seed", "makes platform order numbers reproducible"),
    Setting("scenarios", v.parse_optional_text, "scenarios", "scenario file or directory"),
    Setting("watch", v.parse_bool, "watch", "reload scenarios when a file changes"),
    Setting(
        "time_scale",
        v.parse_float,
        "time_scale",
        "multiplies every callback delay and retry interval: 0.001 runs the gateway's "
        "10-hour retry schedule in 36 s",
    ),
    Setting(
        "clock",
        v.Choice(("system", "manual")),
        "clock",
        "manual: business time moves only by POST /_sandbox/clock/advance",
    ),
    Setting(
        "callback_ack",
        v.parse_text_list,
        "callbacks.ack",
        "callback answers that count as acknowledged (comma-separated)",
    ),
    Setting("callback_timeout", v.parse_float, "callbacks.timeout", "seconds per callback attempt"),
    Setting(
        "callback_retries",
        v.parse_durations,
        "callbacks.retries",
        "seconds between retries of an unacknowledged callback (comma-separated)",
    ),
    Setting(
        "callback_concurrency",
        v.parse_int(1, 10_000),
        "callbacks.concurrency",
        "callback requests in flight at once",
    ),
    Setting(
        "callback_max_response",
        v.parse_int(0, 64 * 1024 * 1024),
        "callbacks.max_response",
        "bytes of a callback answer read at most",
    ),
    Setting(
        "callback_delivery",
        v.Choice(("auto", "process", "loop")),
        "callbacks.delivery",
        "where callback HTTP attempts run: process (a delivery process on another core), "
        "loop (the serving loop), or auto (process when more than one CPU is usable)",
    ),
    Setting(
        "journal_size",
        v.parse_int(1, 10_000_000),
        "journal_size",
        "entries kept in each journal (requests, callback attempts)",
    ),
    Setting(
        "admin_token",
        v.parse_optional_text,
        "admin_token",
        "bearer token required by /_sandbox/ routes except health",
    ),
    Setting(
        "max_body_bytes",
        v.parse_int(1, 256 * 1024 * 1024),
        "max_body_bytes",
        "largest request body accepted",
    ),
    Setting(
        "timestamp_window",
        v.parse_optional_float,
        "timestamp_window",
        "reject requests whose timestamp is further than this many seconds from now",
    ),
    Setting(
        "ip_daily_limits",
        v.parse_bool,
        "ip_daily_limits",
        "apply Japan's, South Korea's and Taiwan's per-IP daily pay-in limits",
    ),
    Setting(
        "sign_answers",
        v.parse_bool,
        "sign_answers",
        "add a sign to every answer to a known merchant, computed like a request's sign",
    ),
    Setting(
        "settlement_delay",
        v.parse_float0,
        "settlement_delay",
        "seconds before collected pay-ins settle into available (scaled)",
    ),
    Setting("areas_dir", v.parse_optional_text, "areas_dir", "directory of extra area rule files"),
    Setting(
        "public_url",
        v.parse_optional_text,
        "public_url",
        "base URL used in payment links (default: the listening address)",
    ),
    Setting(
        "keepalive_timeout",
        v.parse_float,
        "keepalive_timeout",
        "seconds a connection may stay open without sending a complete request head "
        "(idle between requests, or sending its headers)",
    ),
    Setting(
        "expected_sign",
        v.Choice(("auto", "on", "off")),
        "expected_sign",
        "send X-Sandbox-Expected-Sign on a sign error: on, off, or auto (only when listening "
        "on a loopback address)",
    ),
    Setting("log_level", v.Choice(("debug", "info", "warning", "error")), "log_level", "log level"),
    Setting(
        "log_format",
        v.Choice(("human", "json")),
        "log_format",
        "the console's lines: human, or one JSON object per line",
    ),
    Setting("quiet", v.parse_bool, "quiet", "print no line per call and callback attempt"),
    Setting(
        "state",
        v.parse_state,
        "state",
        "SQLite file keeping orders, balances and callbacks across restarts (:memory: for none)",
    ),
)
# The config file itself: a flag and a variable, but no key of the file.
CONFIG_FILE = Setting("config", v.parse_text, "", "YAML config file (merchants and any setting)")


@dataclass(frozen=True)
class ClientVariable:
    """A variable read by the clients of a running sandbox: the pytest plugin, the test
    helpers and the ``status``/``replay``/``force`` commands."""

    name: str
    help: str
    default: str = ""

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


CLIENT_VARIABLES: tuple[ClientVariable, ...] = (
    ClientVariable("url", "base URL of a running sandbox to use instead of starting one"),
    ClientVariable("admin_token", "that sandbox's admin token"),
    ClientVariable("merchant_no", "the merchant the plugin's calls are made as"),
    ClientVariable("secret", "that merchant's secret"),
    ClientVariable(
        "receiver_host", "address the plugin's callback receiver listens on", "127.0.0.1"
    ),
    ClientVariable(
        "receiver_advertised_host", "host name the callback receiver's URL gives the sandbox"
    ),
)
CLIENT = {c.name: c for c in CLIENT_VARIABLES}


def client_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The client variables that are set and not blank, by name (``url``, ``secret``...).

    ``environ`` defaults to ``os.environ``, read at the call.
    """
    source = os.environ if environ is None else environ
    found = {c.name: source.get(c.env, "").strip() for c in CLIENT_VARIABLES}
    return {name: value for name, value in found.items() if value}


_BY_NAME = {s.name: s for s in SETTINGS}
_FILE_KEYS = {"merchants"} | {s.file_key.split(".")[0] for s in SETTINGS}
_CALLBACK_KEYS = {s.file_key.split(".")[1] for s in SETTINGS if s.file_key.startswith("callbacks.")}
_MERCHANT_KEYS = {"merchantNo", "secret", "area", "balance", "notifyUrl"}
_MERCHANT_NO = re.compile(r"[0-9]{10}")


def _file_values(doc: YamlDoc) -> tuple[dict[str, Any], list[ConfigProblem]]:
    reader = Reader(doc)
    problems = reader.problems
    problem = reader.problem

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
    ``environ`` defaults to ``os.environ``. ``file`` defaults to ``flags["config"]``, then
    ``VEXORA_SANDBOX_CONFIG``.
    """
    flags = {k: raw for k, raw in (flags or {}).items() if raw is not None}
    environ = os.environ if environ is None else environ
    path = flags.pop(CONFIG_FILE.name, None) or file or environ.get(CONFIG_FILE.env) or None
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
            problems.append(ConfigProblem(known.flag, str(exc)))
    if problems:
        raise ConfigError(problems)
    return SandboxConfig(**values)
