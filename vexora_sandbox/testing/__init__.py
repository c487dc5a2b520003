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

from vexora_sandbox.testing.client import (
    DEFAULT_MERCHANT_NO,
    DEFAULT_SECRET,
    AdminClient,
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

__all__ = [
    "DEFAULT_MERCHANT_NO",
    "DEFAULT_RECEIVER_HOST",
    "DEFAULT_SECRET",
    "AdminClient",
    "CallbackReceiver",
    "ReceivedCallback",
    "Reply",
    "SandboxClient",
    "SandboxError",
    "SandboxServer",
]
