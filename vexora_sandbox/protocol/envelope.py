"""The gateway's answer shape: ``{msg, code, timestamp, success, data}``."""

from __future__ import annotations

from typing import Any

from vexora_sandbox.protocol.names import Code


def envelope(code: str, msg: str, timestamp_ms: int, data: Any = None) -> dict[str, Any]:
    """One answer; ``success`` is true exactly when ``code`` is ``0000``."""
    return {
        "msg": msg,
        "code": code,
        "timestamp": timestamp_ms,
        "success": code == Code.OK,
        "data": data,
    }


def accepted(timestamp_ms: int, data: Any) -> dict[str, Any]:
    return envelope(Code.OK, Code.OK.default_msg, timestamp_ms, data)
