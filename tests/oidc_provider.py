"""A real OpenID Connect provider for the tests: panva's oidc-provider on
Node (tests/oidc/provider.js; ``make install`` puts its node_modules there),
with one confidential client and an interaction that logs in, without a
form, the account a test chose (``login_as``)."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from tests.helpers import REPO_ROOT, free_port, wait_for_http

PROVIDER_DIR = REPO_ROOT / "tests" / "oidc"


@dataclass
class OidcProvider:
    issuer: str
    client_id: str
    client_secret: str
    process: subprocess.Popen[bytes]

    def login_as(self, sub: str, email: str | None = None, name: str | None = None) -> None:
        """Who the provider signs in at the next login."""
        response = httpx.post(f"{self.issuer}/_test/account",
                              json={"sub": sub, "email": email, "name": name}, timeout=5)
        response.raise_for_status()


@contextmanager
def oidc_provider(address: str, redirect_uris: list[str]) -> Iterator[OidcProvider]:
    """The provider at http://<address>:<a free port>, for these redirect URIs."""
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("tests/oidc/node_modules is missing: run make install")
    port = free_port()
    issuer = f"http://{address}:{port}"
    client_id, client_secret = "confera-test", secrets.token_urlsafe(32)
    env = {**os.environ, "ISSUER": issuer, "HOST": address, "PORT": str(port),
           "CLIENT_ID": client_id, "CLIENT_SECRET": client_secret,
           "REDIRECT_URIS": ",".join(redirect_uris)}
    process = subprocess.Popen(["node", "provider.js"], cwd=PROVIDER_DIR, env=env,
                               stdout=subprocess.DEVNULL)
    try:
        wait_for_http(f"{issuer}/.well-known/openid-configuration", f"{address}:{port}")
        yield OidcProvider(issuer, client_id, client_secret, process)
    finally:
        process.terminate()
        process.wait(timeout=10)
