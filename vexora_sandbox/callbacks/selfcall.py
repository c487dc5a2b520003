"""Callbacks never go to the sandbox itself.

A notifyUrl that reaches the sandbox's own listening socket looped for ever (a callback
to ``/_sandbox/callbacks/{id}/replay`` or ``.../status`` makes another callback), and one
to ``/_sandbox/reset`` wiped every merchant's state. Two checks (sandbox choice; the
gateway never calls itself):

- at order creation, ``admin_url_problem`` refuses a notifyUrl on the sandbox's own
  ``/_sandbox/`` routes (the address the request came in on, its Host, loopback names);
- at delivery, the callback client asks ``OwnAddresses.refusal`` about the address it
  actually connected to, so a name that resolves to the sandbox is caught too, and no
  byte is sent. Such a callback is given up at once: nothing is scheduled again.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

ADMIN_PREFIX = "/_sandbox/"
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_WILDCARDS = ("0.0.0.0", "::", "")

Address = tuple[str, int]


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


@lru_cache(maxsize=256)
def is_local_address(host: str) -> bool:
    """Whether ``host`` (an IP address) is one of this machine's: loopback, or bindable."""
    ip = _ip(host)
    if ip is None:
        return False
    if ip.is_loopback or ip.is_unspecified:
        return True
    family = socket.AF_INET if ip.version == 4 else socket.AF_INET6
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((str(ip), 0))
    except OSError:
        return False
    return True


class OwnAddresses:
    """The addresses the sandbox listens on (from the server), and those requests came in on."""

    def __init__(self) -> None:
        self._exact: set[Address] = set()
        self._wildcard_ports: set[int] = set()
        self.ports: set[int] = set()
        self.added: dict[Address, None] = {}  # as given, in order: for the delivery process
        # Told of each address the first time it is added (callbacks.process forwards it).
        self.listener: Callable[[str, int], None] | None = None

    def add(self, host: str, port: int) -> None:
        """A listening socket, or the local address of a connection the sandbox accepted."""
        if (host, port) in self.added:
            return
        self.added[(host, port)] = None
        if self.listener is not None:
            self.listener(host, port)
        self.ports.add(port)
        ip = _ip(host)
        if host in _WILDCARDS or (ip is not None and ip.is_unspecified):
            self._wildcard_ports.add(port)
        elif ip is not None:
            self._exact.add((str(ip), port))

    def is_self(self, host: str, port: int) -> bool:
        """Whether an IP address and port reach the sandbox."""
        if port not in self.ports:
            return False
        ip = _ip(host)
        if ip is None:
            return False
        if (str(ip), port) in self._exact:
            return True
        return port in self._wildcard_ports and is_local_address(str(ip))

    def refusal(self, peer: Address) -> str | None:
        """Why the callback client must not send on a connection to ``peer``; None if fine."""
        host, port = peer[0], peer[1]
        if not self.is_self(host, port):
            return None
        return (
            f"the notifyUrl reaches the sandbox itself ({_ip(host)} port {port}); "
            "callbacks are never sent to the sandbox's own routes"
        )


def admin_url_problem(url: str, own: OwnAddresses, host_header: str | None) -> str | None:
    """An 8000 message when ``url`` names the sandbox's own ``/_sandbox/`` routes; else None.

    Without a DNS lookup: the URL's host is compared with the Host the request was sent to,
    the addresses the sandbox listens or answered on, and loopback names on its ports.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    if not parts.path.startswith(ADMIN_PREFIX) or not host:
        return None
    ours = False
    if host_header:
        given = host_header.strip().lower()
        ours = given in (f"{host}:{port}", f"[{host}]:{port}") or (
            given in (host, f"[{host}]") and port in (80, 443)
        )
    if not ours and port in own.ports:
        ours = host in _LOOPBACK_NAMES or own.is_self(host, port)
    if not ours:
        return None
    return (
        f"notifyUrl must not point at the sandbox's own {ADMIN_PREFIX} routes "
        f"({parts.scheme}://{parts.netloc}{parts.path}); give your callback endpoint"
    )
