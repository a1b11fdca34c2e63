"""Secrets: password hashing (argon2), opaque tokens stored as SHA-256, and
encryption at rest for the few secrets that must be shown again."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.db import utcnow
from app.extensions import db, settings


@cache
def _argon2(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def _hasher() -> PasswordHasher:
    config = settings()
    return _argon2(config.argon2_time_cost, config.argon2_memory_kib)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password against its argon2 hash (whose own parameters apply)."""
    if not password_hash:
        # Same cost as a real check, so timing does not tell which emails exist.
        _hasher().hash(password)
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A random URL-safe token (256 bits) to hand out once."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What we store for a token: SHA-256 hex. Random tokens need no salt."""
    return hashlib.sha256(token.encode()).hexdigest()


def keyed_digest(value: str) -> str:
    """HMAC-SHA256 of a low-entropy secret (a PIN) under SECRET_KEY: comparable
    later, useless to whoever reads the database without the key."""
    key = settings().secret_key.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def random_digits(length: int) -> str:
    first = str(secrets.randbelow(9) + 1)  # no leading zero: codes survive int round-trips
    return first + "".join(str(secrets.randbelow(10)) for _ in range(length - 1))


@cache  # HKDF per value would cost more than the decryption itself
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"confera at-rest encryption"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


class EncryptedString(sa.types.TypeDecorator[str]):
    """A string column encrypted with a key derived from SECRET_KEY (Fernet)."""

    impl = sa.Text()
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return _fernet(settings().secret_key).encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        try:
            return _fernet(settings().secret_key).decrypt(value).decode()
        except InvalidToken as exc:
            raise RuntimeError("cannot decrypt a secret: was SECRET_KEY changed?") from exc


@cache
def join_token_keys(secret_key: str, private_pem: str = "") -> tuple[str, str]:
    """(private, public) PEM of the ES256 key that signs join tokens.

    Derived from SECRET_KEY unless a PEM is configured, so that every web
    replica signs with the same key and nothing more has to be stored."""
    if private_pem:
        key = serialization.load_pem_private_key(private_pem.encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or \
                not isinstance(key.curve, ec.SECP256R1):
            raise ValueError("JOIN_TOKEN_PRIVATE_KEY must be a P-256 (ES256) private key")
    else:
        seed = HKDF(algorithm=hashes.SHA256(), length=48, salt=None,
                    info=b"confera join tokens").derive(secret_key.encode())
        order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
        key = ec.derive_private_key(int.from_bytes(seed, "big") % (order - 1) + 1,
                                    ec.SECP256R1())
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public.decode()


def purge_dead_credentials(owner: Any, owner_id: int) -> None:
    """Delete the rows of ``owner``'s table (a credential table with
    ``expires_at`` and ``revoked_at``) that belong to ``owner_id`` and can
    never be used again. Called whenever a new one is issued, so each table
    holds about what is live per owner without a cleaning job."""
    table = owner.class_
    db.session.execute(sa.delete(table).where(
        owner == owner_id,
        sa.or_(table.expires_at <= utcnow(), table.revoked_at.is_not(None))))
