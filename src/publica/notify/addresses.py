"""Whether a webhook may be sent to a URL: never into the council's own network (loopback,
private, link-local and other non-public addresses), so a subscription cannot be used to
reach internal services from the worker. No Django here."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

__all__ = ["private_target"]


def private_target(url: str) -> str | None:
    """The non-public address `url` leads to, or None when every address it resolves to is
    public (or the name does not resolve yet: that fails at delivery, not here)."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    for address in sorted(addresses):
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            return address
    return None
