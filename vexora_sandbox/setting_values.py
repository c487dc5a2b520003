"""The setting value parsers: each takes a raw value (a flag, a variable, a YAML value) and
returns the typed one or raises ValueError with a message that says what was expected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def parse_int(lo: int, hi: int) -> Callable[[Any], int]:
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


def parse_positive_float(raw: Any, *, zero_ok: bool = False) -> float:
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


def parse_float(raw: Any) -> float:
    return parse_positive_float(raw)


def parse_float0(raw: Any) -> float:
    return parse_positive_float(raw, zero_ok=True)


def parse_optional_float(raw: Any) -> float | None:
    if raw is None or str(raw).strip().lower() in ("", "off", "none"):
        return None
    return parse_positive_float(raw)


@dataclass(frozen=True)
class Choice:
    """A parser for one of ``allowed``; the ``serve`` flag offers them as its choices."""

    allowed: tuple[str, ...]

    def __call__(self, raw: Any) -> str:
        value = str(raw).strip().lower()
        if value not in self.allowed:
            raise ValueError(f"must be one of {', '.join(self.allowed)}; got {raw!r}")
        return value


def parse_text(raw: Any) -> str:
    if not isinstance(raw, str | int) or isinstance(raw, bool) or str(raw) == "":
        raise ValueError(f"must be a non-empty string; got {raw!r}")
    return str(raw)


def parse_optional_text(raw: Any) -> str | None:
    return None if raw is None or raw == "" else parse_text(raw)


def parse_state(raw: Any) -> str | None:
    """A state file's path; ``:memory:`` (or empty) keeps the state in memory."""
    if raw is None or raw == "" or raw == ":memory:":
        return None
    return parse_text(raw)


def parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"must be true or false; got {raw!r}")


def parse_text_list(raw: Any) -> tuple[str, ...]:
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not items:
        raise ValueError(f"must be a non-empty list of strings; got {raw!r}")
    return tuple(parse_text(item) if isinstance(raw, list) else str(item).strip() for item in items)


def parse_durations(raw: Any) -> tuple[float, ...]:
    items = raw.split(",") if isinstance(raw, str) else raw
    if isinstance(raw, str) and not raw.strip():
        return ()
    if not isinstance(items, list | tuple):
        raise ValueError(f"must be a list of durations in seconds; got {raw!r}")
    return tuple(parse_float0(item) for item in items)
