"""BBB's checksum: the hex digest of call name + query string (without the
checksum parameter) + shared secret. The digest is told by its length: SHA-1,
SHA-256, SHA-384 or SHA-512, as BBB accepts them; a company may accept fewer."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import quote_plus

from app.modules.tenants.models import CHECKSUM_ALGORITHMS

ALGORITHMS = CHECKSUM_ALGORITHMS
_BY_LENGTH = {hashlib.new(name).digest_size * 2: name for name in ALGORITHMS}


def algorithm_of(checksum: str) -> str | None:
    """The digest a checksum of this length is made with, if any."""
    return _BY_LENGTH.get(len(checksum))


def checksum(call: str, signed: str, secret: str, algorithm: str = "sha1") -> str:
    """The checksum of ``call`` with the signed parameter string ``signed``."""
    text = f"{call}{signed}{secret}".encode("utf-8", "surrogateescape")
    return hashlib.new(algorithm, text).hexdigest()


def verify_checksum(call: str, candidates: Iterable[str], given: str | None, secret: str,
                    allowed: Iterable[str] = ()) -> bool:
    """Whether ``given`` signs ``call`` with one of the ``candidates``
    parameter strings (a query string as sent, a form body's canonical form)
    using a digest the company accepts (``allowed``; empty: all)."""
    algorithm = algorithm_of(given or "")
    permitted = set(allowed) or set(ALGORITHMS)
    if given is None or algorithm is None or algorithm not in permitted:
        return False
    return any(hmac.compare_digest(checksum(call, signed, secret, algorithm), given.lower())
               for signed in candidates)


def without_checksum(query: str) -> str:
    """The raw query string as sent, less its checksum parameter (BBB signs
    the rest exactly as it was sent)."""
    return "&".join(part for part in query.split("&") if not part.startswith("checksum="))


def canonical_form(params: Mapping[str, str]) -> str:
    """A form body's parameter string as the BBB reference defines it for
    POSTs (setConfigXML): names in ASCII order, values encoded as Java's
    URLEncoder does (space as +, only ``a-zA-Z0-9.-*_`` kept)."""
    return "&".join(f"{name}={_java_encoded(value)}"
                    for name, value in sorted(params.items()) if name != "checksum")


def _java_encoded(value: str) -> str:
    # Bytes that were not UTF-8 (surrogate-escaped) are encoded as they came.
    return quote_plus(value, safe="*", errors="surrogateescape").replace("~", "%7E")
