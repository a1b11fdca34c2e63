"""The SSRF guard: a webhook URL is http(s), without credentials or fragment,
and its host resolves only to public addresses. Checked when a subscription is
made (422) and again before each delivery (DNS may change in between: a name
that now resolves to a private address is refused and the attempt logged).
A delivery then connects to the address that was checked (``pinned``), never
to what a second lookup answers: a name whose records change between the
check and the connection (DNS rebinding) cannot steer it inside.
``WEBHOOK_ALLOW_PRIVATE=1`` lifts the address rule (tests, ``make run``)."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from app.errors import ValidationFailed

MAX_URL = 2000


class RefusedAddress(ValidationFailed):
    """The URL's host is or resolves to an address webhooks may not reach."""


def check_url_shape(url: str) -> str:
    """The host of ``url`` if its shape is acceptable; else 422."""
    if len(url) > MAX_URL:
        raise ValidationFailed(f"A webhook URL has at most {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError as exc:
        raise ValidationFailed("The webhook URL is not a valid URL") from exc
    if parts.scheme not in ("http", "https"):
        raise ValidationFailed("A webhook URL is http or https")
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed("A webhook URL may not carry credentials")
    if parts.fragment or url.endswith("#"):
        raise ValidationFailed("A webhook URL may not have a fragment")
    if not parts.hostname:
        raise ValidationFailed("A webhook URL names a host")
    return parts.hostname


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified or not ip.is_global)


@dataclass(frozen=True)
class Pinned:
    """Where a request for a URL connects: ``url`` names the checked address,
    ``host`` goes in the Host header and ``server_name`` in TLS's SNI and
    the certificate check."""

    url: str
    host: str
    server_name: str


def check_url(url: str, allow_private: bool) -> str | None:
    """422 unless ``url`` may be delivered to now: its shape, and unless
    ``allow_private``, every address its host resolves to is public. The
    first of those addresses (None when ``allow_private``: not checked)."""
    host = check_url_shape(url)
    if allow_private:
        return None
    port = urlsplit(url).port or (443 if url.lower().startswith("https") else 80)
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise RefusedAddress(f"The webhook URL's host {host} does not resolve") from exc
    # Every address: an attacker's name may list a public one beside a private one.
    for info in infos:
        if not is_public(str(info[4][0])):
            raise RefusedAddress(
                f"The webhook URL's host {host} resolves to a private or reserved address")
    return str(infos[0][4][0])


def pinned(url: str, address: str) -> Pinned:
    """The request for ``url`` sent to ``address``, one of its host's."""
    parts = urlsplit(url)
    assert parts.hostname is not None
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    host = parts.netloc.rsplit("@", 1)[-1]
    return Pinned(url=urlunsplit(parts._replace(netloc=netloc)), host=host,
                  server_name=parts.hostname)
