"""One hierarchy of errors.

``GatewayError`` is what the merchant sees on the wire: it is rendered as the gateway's
envelope in exactly one place (``api.routes.dispatch``). ``ConfigError`` is an operator's
mistake (a config file, a scenario file, a flag) and is reported by the CLI with exit
code 2 and no traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vexora_sandbox.protocol.names import Code


class GatewayError(Exception):
    """An answer with a non-``0000`` code, HTTP 200 unless said otherwise."""

    def __init__(
        self,
        msg: str,
        *,
        code: Code = Code.REQUEST_FAILED,
        http_status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(msg)
        self.msg = msg
        self.code = code
        self.http_status = http_status
        self.headers = dict(headers or {})


class SignError(GatewayError):
    """A missing or wrong ``sign``; carries the base string so a developer can fix a client."""

    def __init__(self, msg: str, *, base: str, expected: str) -> None:
        super().__init__(
            msg,
            headers={"X-Sandbox-Sign-Base": base, "X-Sandbox-Expected-Sign": expected},
        )
        self.base = base
        self.expected = expected


class NotFound(Exception):
    """A domain lookup found nothing. The API turns it into an ``8000``."""


class TransitionError(Exception):
    """A status change the transitions table does not allow."""


@dataclass
class ConfigProblem:
    """One mistake in an operator's file: where it is and what is wrong."""

    source: str
    message: str
    line: int | None = None
    key_path: str = ""

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
        if self.key_path:
            where += f": {self.key_path}"
        return f"{where}: {self.message}"


@dataclass
class ConfigError(Exception):
    """An operator's mistake, with every problem found (a file may have several)."""

    problems: list[ConfigProblem] = field(default_factory=list)

    @classmethod
    def single(
        cls, source: str, message: str, *, line: int | None = None, key_path: str = ""
    ) -> ConfigError:
        return cls([ConfigProblem(source, message, line, key_path)])

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
