"""vexora-sandbox: a local, offline sandbox of the Vexora payment gateway's merchant API.

The public names load on first use (PEP 562), so ``vexora-sandbox --version``, ``check``
and ``sign`` never import aiohttp, and ``serve`` never imports the test helpers.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from vexora_sandbox._version import __version__

if TYPE_CHECKING:
    from vexora_sandbox.app import create_app
    from vexora_sandbox.config import SandboxConfig, load_config
    from vexora_sandbox.domain.store import Merchant
    from vexora_sandbox.protocol.signing import canonical_string, sign, verify
    from vexora_sandbox.testing import (
        AdminClient,
        CallbackReceiver,
        MerchantClient,
        ReceivedCallback,
        Reply,
        SandboxClient,
        SandboxError,
        SandboxServer,
    )

_HOMES = {
    "create_app": "vexora_sandbox.app",
    "SandboxConfig": "vexora_sandbox.config",
    "load_config": "vexora_sandbox.config",
    "Merchant": "vexora_sandbox.domain.store",
    "canonical_string": "vexora_sandbox.protocol.signing",
    "sign": "vexora_sandbox.protocol.signing",
    "verify": "vexora_sandbox.protocol.signing",
    "AdminClient": "vexora_sandbox.testing",
    "CallbackReceiver": "vexora_sandbox.testing",
    "MerchantClient": "vexora_sandbox.testing",
    "ReceivedCallback": "vexora_sandbox.testing",
    "Reply": "vexora_sandbox.testing",
    "SandboxClient": "vexora_sandbox.testing",
    "SandboxError": "vexora_sandbox.testing",
    "SandboxServer": "vexora_sandbox.testing",
}

__all__ = [
    "AdminClient",
    "CallbackReceiver",
    "Merchant",
    "MerchantClient",
    "ReceivedCallback",
    "Reply",
    "SandboxClient",
    "SandboxConfig",
    "SandboxError",
    "SandboxServer",
    "__version__",
    "canonical_string",
    "create_app",
    "load_config",
    "sign",
    "verify",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'vexora_sandbox' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # the next lookup is an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
