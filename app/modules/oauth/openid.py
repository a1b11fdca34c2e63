"""Signing hosts in with their company's OpenID Connect provider: the
authorization code flow with PKCE (S256), a ``state`` and a ``nonce``, the
code exchanged with the company's client secret, and the ID token checked
(signature against the provider's JWKS, iss, aud, exp, nonce) by authlib
and joserfc. The pages (app/web/openid.py) keep what a login in progress
needs (``Pending``) between the two requests; ``subjects.py`` turns the
verified ``sub`` into a host."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

import requests
import sqlalchemy as sa
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from app.errors import BadRequest, NotFound, ServiceUnavailable, Unauthorized
from app.extensions import db
from app.modules.tenants.models import Company, Tenant

SCOPE = "openid email profile"
HTTP_TIMEOUT = 5.0  # seconds, for each call to the provider
DISCOVERY_SECONDS = 300.0  # how long a process trusts a provider's metadata and keys
LEEWAY_SECONDS = 60  # clock skew allowed on exp and iat
# Asymmetric signatures only: an HS256 token would be keyed with the client
# secret, and "none" is no signature.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                      "ES256", "ES384", "ES512", "EdDSA")
REFUSED = "The sign-in could not be confirmed; start again"


class NotConfigured(NotFound):
    default_message = "This company offers no single sign-on"


@dataclass(frozen=True)
class Pending:
    """A login in progress, kept by the browser's signed session between
    /login/openid and its callback (for this company only)."""

    state: str
    nonce: str
    code_verifier: str
    next: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, value: Any) -> Pending | None:
        if not isinstance(value, dict) or set(value) != {"state", "nonce", "code_verifier",
                                                          "next"}:
            return None
        if not all(isinstance(v, str) for v in value.values()):
            return None
        return cls(**value)


@dataclass(frozen=True)
class Provider:
    """A company's provider: what the company stored, and what it says of itself."""

    issuer: str
    client_id: str
    client_secret: str
    metadata: dict[str, Any]


def configured(tenant: Tenant) -> bool:
    return bool(tenant.openid_provider and tenant.openid_issuer and tenant.openid_client_id)


def start_login(tenant: Tenant, redirect_uri: str, next_path: str) -> tuple[str, Pending]:
    """The provider's authorization URL to send the browser to, and what the
    callback will need to finish."""
    provider = _provider(tenant)
    pending = Pending(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                      code_verifier=secrets.token_urlsafe(64), next=next_path)
    with _client(provider, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            provider.metadata["authorization_endpoint"], state=pending.state,
            nonce=pending.nonce, code_verifier=pending.code_verifier)
    return str(url), pending


def finish_login(tenant: Tenant, pending: Pending | None, state: str | None,
                 code: str | None, redirect_uri: str) -> dict[str, Any]:
    """The verified claims of the ID token the provider issues for ``code``;
    400 for a state that is not this browser's or a missing code, 401 when
    the provider refuses the code or its ID token does not check out."""
    if pending is None or not state or not secrets.compare_digest(
            state.encode(), pending.state.encode()):
        raise BadRequest("This sign-in was not started here, or has expired; start again")
    if not code:
        raise BadRequest("The provider sent no authorization code; start again")
    provider = _provider(tenant)
    with _client(provider, redirect_uri) as client:
        try:
            token = client.fetch_token(provider.metadata["token_endpoint"], code=code,
                                       code_verifier=pending.code_verifier,
                                       grant_type="authorization_code", timeout=HTTP_TIMEOUT)
        except (AuthlibBaseError, ValueError) as exc:  # the provider refused the code
            raise Unauthorized(REFUSED) from exc
        except requests.RequestException as exc:
            raise ServiceUnavailable("The sign-on provider cannot be reached") from exc
        if not isinstance(token.get("id_token"), str):
            raise Unauthorized(REFUSED)
        claims = _verified_claims(provider, token, pending.nonce)
        if tenant.openid_provision_hosts and "email" not in claims:
            claims.update(_profile(provider, client, claims["sub"]))
    return claims


def _profile(provider: Provider, client: OAuth2Session, sub: str) -> dict[str, Any]:
    """Email and name from the UserInfo endpoint, which many providers answer
    instead of putting them in the ID token; only if it speaks of the same
    subject (OpenID Connect Core 5.3.2). Nothing when there is none."""
    endpoint = provider.metadata.get("userinfo_endpoint")
    if not isinstance(endpoint, str):
        return {}
    try:
        answer = client.get(endpoint, timeout=HTTP_TIMEOUT)
        answer.raise_for_status()
        info = answer.json()
    except (requests.RequestException, ValueError) as exc:
        raise ServiceUnavailable("The sign-on provider cannot be reached") from exc
    if not isinstance(info, dict) or info.get("sub") != sub:
        return {}
    return {key: info[key] for key in ("email", "email_verified", "name") if key in info}


def _verified_claims(provider: Provider, token: dict[str, Any], nonce: str) -> dict[str, Any]:
    algorithms = [alg for alg in provider.metadata.get(
        "id_token_signing_alg_values_supported", ["RS256"]) if alg in SIGNING_ALGORITHMS]
    if not algorithms:  # (an empty list would let joserfc fall back to its defaults)
        raise Unauthorized(REFUSED)
    try:
        try:
            decoded = jwt.decode(token["id_token"], _keys(provider), algorithms=algorithms)
        except InvalidKeyIdError:  # the provider rotated its keys since we fetched them
            decoded = jwt.decode(token["id_token"], _keys(provider, fresh=True),
                                 algorithms=algorithms)
        claims = CodeIDToken(
            decoded.claims, decoded.header,
            {"iss": {"essential": True, "value": provider.issuer},
             "aud": {"essential": True, "value": provider.client_id},
             "sub": {"essential": True}},
            {"nonce": nonce, "client_id": provider.client_id,
             "access_token": token.get("access_token")})
        claims.validate(leeway=LEEWAY_SECONDS)
    except (JoseError, ValueError) as exc:
        raise Unauthorized(REFUSED) from exc
    if not isinstance(claims.get("sub"), str):
        raise Unauthorized(REFUSED)
    return dict(claims)


def _client(provider: Provider, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(provider.client_id, provider.client_secret, scope=SCOPE,
                         redirect_uri=redirect_uri, code_challenge_method="S256",
                         token_endpoint_auth_method="client_secret_basic")


def _provider(tenant: Tenant) -> Provider:
    if not configured(tenant):
        raise NotConfigured()
    assert tenant.openid_issuer is not None and tenant.openid_client_id is not None
    secret = db.session.execute(
        sa.select(Company.openid_client_secret).where(Company.id == tenant.id)).scalar()
    return Provider(tenant.openid_issuer, tenant.openid_client_id, secret or "",
                    _metadata(tenant.openid_issuer))


# -- what providers say of themselves, kept per process for DISCOVERY_SECONDS ----------

_lock = threading.Lock()
_documents: dict[str, tuple[float, dict[str, Any]]] = {}  # URL -> (fetched at, JSON)


def _metadata(issuer: str) -> dict[str, Any]:
    """The provider's discovery document; it must name this very issuer
    (OpenID Connect Discovery 4.3) and the endpoints the flow uses."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    document = _fetch(url)
    if document.get("issuer") != issuer or not all(
            isinstance(document.get(key), str) and document[key].startswith(("https:", "http:"))
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")):
        raise ServiceUnavailable("The sign-on provider's configuration does not fit its issuer")
    return document


def _keys(provider: Provider, fresh: bool = False) -> KeySet:
    try:
        return KeySet.import_key_set(_fetch(provider.metadata["jwks_uri"], fresh))  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise ServiceUnavailable("The sign-on provider's keys cannot be read") from exc


def _fetch(url: str, fresh: bool = False) -> dict[str, Any]:
    now = time.monotonic()
    with _lock:
        kept = _documents.get(url)
    if kept is not None and not fresh and now - kept[0] < DISCOVERY_SECONDS:
        return kept[1]
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT, allow_redirects=False)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ServiceUnavailable("The sign-on provider cannot be reached") from exc
    if not isinstance(document, dict):
        raise ServiceUnavailable("The sign-on provider answered something else")
    with _lock:
        _documents[url] = (now, document)
    return document


def forget_providers() -> None:
    """Fetch every provider's metadata and keys again (tests)."""
    with _lock:
        _documents.clear()
