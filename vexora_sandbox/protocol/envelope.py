"""The gateway's answer shape: ``{msg, code, timestamp, success, data}``."""

from __future__ import annotations

from typing import Any

OK_CODE = "0000"


def envelope(code: str, msg: str, timestamp_ms: int, data: Any = None) -> dict[str, Any]:
    """One answer; ``success`` is true exactly when ``code`` is ``0000``."""
    return {
        "msg": msg,
        "code": code,
        "timestamp": timestamp_ms,
        "success": code == OK_CODE,
        "data": data,
    }


def accepted(timestamp_ms: int, data: Any) -> dict[str, Any]:
    return envelope(OK_CODE, "success", timestamp_ms, data)
