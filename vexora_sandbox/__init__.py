"""vexora-sandbox: a local, offline sandbox of the Vexora payment gateway's merchant API."""

from vexora_sandbox._version import __version__
from vexora_sandbox.app import create_app
from vexora_sandbox.config import SandboxConfig, load_config
from vexora_sandbox.protocol.signing import canonical_string, sign, verify
from vexora_sandbox.testing import (
    AdminClient,
    CallbackReceiver,
    ReceivedCallback,
    Reply,
    SandboxClient,
    SandboxError,
    SandboxServer,
)

__all__ = [
    "AdminClient",
    "CallbackReceiver",
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
