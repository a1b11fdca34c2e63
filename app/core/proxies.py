"""Who the client is behind the TLS proxies in front of the web.

Without this every request seems to come from the proxy, and rate limits
keyed on the client address (app/core/rate_limits.py, flask-limiter) count
everyone together: twenty bad passwords from anyone locked everyone out.
With TRUSTED_PROXIES (CIDRs) set, a request whose peer is a trusted proxy
gets, as its REMOTE_ADDR, the right-most address of its X-Forwarded-For
that is not itself a trusted proxy: the address that the outermost trusted
proxy saw connect to it. What a client writes into X-Forwarded-For itself
lies to the left of that and is never believed; nor is the header of a
request that does not come from a trusted proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """WSGI middleware: REMOTE_ADDR becomes the client's address."""

    def __init__(self, app: Any, networks: Iterable[str]) -> None:
        self.app = app
        self.networks: list[Network] = [ipaddress.ip_network(n, strict=False) for n in networks]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        environ["REMOTE_ADDR"] = self.client(environ.get("REMOTE_ADDR", ""),
                                             environ.get("HTTP_X_FORWARDED_FOR", ""))
        return self.app(environ, start_response)

    def client(self, peer: str, forwarded_for: str) -> str:
        """The client's address, given the peer and its X-Forwarded-For."""
        if not self.trusted(peer):
            return peer
        for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
            if not hop:
                break
            if not self.trusted(hop):
                return hop
            peer = hop
        return peer

    def trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)
