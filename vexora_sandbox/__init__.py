"""vexora-sandbox: a local, offline sandbox of the Vexora payment gateway's merchant API."""

from vexora_sandbox._version import __version__
from vexora_sandbox.app import create_app
from vexora_sandbox.config import SandboxConfig, load_config
from vexora_sandbox.protocol.signing import canonical_string, sign, verify

__all__ = [
    "SandboxConfig",
    "__version__",
    "canonical_string",
    "create_app",
    "load_config",
    "sign",
    "verify",
]
