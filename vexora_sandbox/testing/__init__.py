"""Test helpers usable with or without pytest: an in-process sandbox and a callback receiver.

Both run their own event loop on a background thread and listen on 127.0.0.1 at a free
port (the receiver on any ``host`` it is given), so they serve sync and async test code
alike::

    with SandboxServer() as sandbox, CallbackReceiver() as receiver:
        answer = sandbox.payout(notifyUrl=receiver.url)
        callback = receiver.wait_for(answer["data"]["tradeNo"], status="0000")

The helpers live in modules by theme (``client``, ``server``, ``receiver``); import them
from here.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vexora_sandbox.testing.client import (
        DEFAULT_MERCHANT_NO,
        DEFAULT_SECRET,
        AdminClient,
        MerchantClient,
        SandboxClient,
        SandboxError,
    )
    from vexora_sandbox.testing.receiver import (
        DEFAULT_RECEIVER_HOST,
        CallbackReceiver,
        ReceivedCallback,
        Reply,
    )
    from vexora_sandbox.testing.server import SandboxServer

# Loaded on first use (PEP 562): the clients of a running sandbox (urllib only) never import
# aiohttp, which only the in-process server and the receiver need.
_HOMES = {
    "DEFAULT_MERCHANT_NO": "client",
    "DEFAULT_SECRET": "client",
    "AdminClient": "client",
    "MerchantClient": "client",
    "SandboxClient": "client",
    "SandboxError": "client",
    "DEFAULT_RECEIVER_HOST": "receiver",
    "CallbackReceiver": "receiver",
    "ReceivedCallback": "receiver",
    "Reply": "receiver",
    "SandboxServer": "server",
}

__all__ = [
    "DEFAULT_MERCHANT_NO",
    "DEFAULT_RECEIVER_HOST",
    "DEFAULT_SECRET",
    "AdminClient",
    "CallbackReceiver",
    "MerchantClient",
    "ReceivedCallback",
    "Reply",
    "SandboxClient",
    "SandboxError",
    "SandboxServer",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'vexora_sandbox.testing' has no attribute {name!r}")
    value = getattr(import_module(f"vexora_sandbox.testing.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
