"""When a refused call's answer may carry ``X-Sandbox-Expected-Sign``.

The header hands a valid sign for any body to whoever knows a merchantNo: help for a
developer on their own machine, an oracle on a sandbox others can reach. So it is sent
(``expected_sign`` setting) always (``on``), never (``off``), or, by default (``auto``),
only when the sandbox listens on a loopback address (sandbox choice; the gateway has no
such header).
"""

from __future__ import annotations

import ipaddress

HEADER = "X-Sandbox-Expected-Sign"
MODES = ("auto", "on", "off")
_LOOPBACK_NAMES = ("localhost", "ip6-localhost", "ip6-loopback")


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` keeps the sandbox on this machine."""
    name = host.strip().strip("[]").lower()
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def shown(mode: str, host: str) -> bool:
    """Whether the header is sent, for the ``expected_sign`` mode and the listening host."""
    if mode == "on":
        return True
    if mode == "off":
        return False
    return is_loopback(host)
