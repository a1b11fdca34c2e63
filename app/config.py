"""Typed settings: defaults, then the environment, checked once at start-up.

Nothing else in the code base reads ``os.environ``: the web, the worker and
the CLI get a ``Settings`` from ``Settings.from_env()`` (or a test builds one
directly); a media node gets its ``NodeSettings`` (app/sfu/config.py) through
the same ``environment_values``, so both read variables the same way.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from app.environment import ConfigError, environment_values

_ROOT = Path(__file__).resolve().parent.parent


# Environment variable for each field: the field name upper-cased, except these.
ENV_NAMES = {"env": "CONFERA_ENV", "instance_path": "CONFERA_INSTANCE_PATH",
             "metrics_dir": "PROMETHEUS_MULTIPROC_DIR"}


def _default_instance() -> str:
    return str(_ROOT / "instance")


@dataclass(frozen=True)
class Settings:
    # CONFERA_ENV: production (the default: every secret must be given),
    # development or test (chosen explicitly: secrets missing from the
    # environment are generated into the instance folder; development's
    # servers bind loopback only).
    env: str = "production"
    instance_path: str = field(default_factory=_default_instance)
    database_url: str = ""  # empty: SQLite under instance_path
    # Each process's SQLAlchemy pool on PostgreSQL: the connections it keeps,
    # and how many more it may open at a peak (the Helm chart budgets them
    # against the server's max_connections: docs/deploy.md).
    database_pool_size: int = 5
    database_max_overflow: int = 10
    secret_key: str = ""  # required in production; see ``env``
    storage_url: str = ""  # empty: file:// under instance_path
    s3_endpoint_url: str = ""  # empty: AWS; else an S3-compatible store's URL
    # s3:// only: each company's objects in the bucket "<bucket>-<company id>"
    # (created on first write) rather than all in one bucket.
    storage_bucket_per_company: bool = False
    # How long a download or playback link of storage lasts (app/storage.py).
    storage_link_seconds: int = 6 * 3600
    smtp_url: str = ""  # empty: mail is written to the dev outbox folder
    mail_from: str = ""  # empty: no-reply@<reseller domain>
    # Text messages (conference reminders): the dotted path of a class taking
    # the Settings, with send(to, text); empty: written to the dev outbox
    # (app/modules/conferences/sms.py).
    sms_sender: str = ""
    # Rate-limit counters shared by every web process; empty: in the database
    # (app/core/rate_limit_storage.py), or in memory for a single dev process.
    redis_url: str = ""
    # CIDRs of the proxies in front of the web whose X-Forwarded-For is
    # believed (app/core/proxies.py); empty: the peer is the client.
    trusted_proxies: tuple[str, ...] = ()
    public_scheme: str = "https"
    public_port: int = 0  # 0: the scheme's default port, left out of URLs
    port: int = 5000
    web_workers: int = 2
    # Fewer threads contend less for the GIL: host/get under load cost 4.9 ms
    # CPU with 8, 4.4 with 4, 3.6 with 2 (bench/api.py). 4 keeps room for
    # requests that wait on a media node.
    web_threads: int = 4
    # gunicorn (app/gunicorn_conf.py): a request running longer than the
    # timeout gets its worker restarted; on SIGTERM, requests in flight get
    # the graceful timeout to finish; an idle kept-alive connection is closed
    # after the keep-alive.
    web_timeout_seconds: int = 30
    web_graceful_timeout_seconds: int = 30
    web_keepalive_seconds: int = 2
    # text or json (one object per line, with request id and tenant);
    # empty: json in production, text elsewhere (app/logs.py).
    log_format: str = ""
    # /metrics of the web: with a token, only `Authorization: Bearer <token>`;
    # without, only scrapers on loopback or a private network that come
    # through no proxy and name no company's host (app/api/ops/metrics.py).
    metrics_token: str = ""
    # prometheus_client's multiprocess folder under gunicorn; empty: a fresh
    # temporary folder per `confera web`.
    metrics_dir: str = ""
    api_token_ttl_days: int = 30
    oauth_token_seconds: int = 3600  # lifetime of an OAuth client's access token
    # The longest a web process trusts a cached tenant, auth_token or host look-up
    # without having heard of a change (app/core/identity_cache.py); 0: off.
    identity_cache_seconds: float = 60.0
    password_link_ttl_hours: int = 72
    # How long a host's login to the pages (/auth, /login) lasts (hosts/web_sessions.py).
    host_session_hours: int = 12
    job_lease_seconds: int = 60
    job_max_attempts: int = 8
    job_poll_seconds: float = 1.0
    job_retry_base_seconds: float = 5.0
    # Webhook URLs may name private, loopback or link-local addresses (tests, `make run`);
    # never in production: the deployment's neighbours would be reachable (SSRF).
    webhook_allow_private: bool = False
    ratelimit_authenticate: str = "20 per minute"
    ratelimit_password_pages: str = "20 per minute"
    ratelimit_meeting_pin: str = "10 per minute"  # wrong PINs per address and room
    ratelimit_meeting_pin_room: str = "100 per hour"  # wrong PINs per room, all addresses
    ratelimit_not_found: str = "30 per minute"  # room addresses that name no room, per address
    ratelimit_oauth_client: str = "10 per minute"  # failed OAuth client logins per address
    ratelimit_sso: str = "10 per minute"  # refused /auth logins (wrong key, no host) per address
    # Wrong passwords per account: this many are free, then each makes the
    # next attempt wait twice as long (1 s, 2 s, ...) up to the longest.
    login_backoff_after: int = 5
    login_backoff_max_seconds: int = 900
    api_max_body_bytes: int = 64 * 1024
    # argon2id cost (argon2-cffi's RFC 9106 low-memory defaults); tests lower it.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    # Media nodes: the secret signing web <-> node HTTP, how often nodes beat,
    # when a silent node counts as dead, and the join tokens the web signs.
    media_node_secret: str = ""  # required in production; see ``env``
    # Host names the node API (/internal/...) answers on; tenants' host names
    # never reach it. In a cluster: the web's internal service name.
    node_api_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
    # Where media nodes may be: host name patterns (*.media.internal) or CIDRs
    # (10.0.0.0/8) that a heartbeat's URLs must match to be registered.
    media_node_allowed_hosts: tuple[str, ...] = ("127.0.0.0/8", "::1", "localhost")
    media_node_heartbeat_seconds: float = 5.0
    media_node_dead_after_seconds: float = 15.0
    join_token_ttl_seconds: int = 120
    # How long a meeting page tries to get back in after losing its connection.
    meeting_reconnect_seconds: int = 30
    join_token_private_key: str = ""  # PEM (ES256); empty: derived from SECRET_KEY
    ice_servers: tuple[str, ...] = ()  # stun:/turn: URLs handed to clients, comma-separated

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults overridden by the environment, then by ``overrides``; validated."""
        values = environment_values(cls, os.environ if environ is None else environ,
                                    lambda name: ENV_NAMES.get(name, name.upper()))
        values.update(overrides)
        return cls(**values).checked()

    def checked(self) -> Settings:
        if self.env not in ("development", "production", "test"):
            raise ConfigError(f"CONFERA_ENV must be development, production or test: {self.env!r}")
        missing = [name for name in SECRETS if not getattr(self, name)]
        if missing and self.env == "production":
            raise ConfigError(f"{missing[0].upper()} must be set in production "
                              "(or choose CONFERA_ENV=development)")
        if missing:
            generated: dict[str, Any] = instance_secrets(Path(self.instance_path), missing)
            return replace(self, **generated).checked()
        if len(self.media_node_secret) < 16:
            raise ConfigError("MEDIA_NODE_SECRET must be at least 16 characters")
        if self.media_node_dead_after_seconds <= self.media_node_heartbeat_seconds:
            raise ConfigError("MEDIA_NODE_DEAD_AFTER_SECONDS must exceed "
                              "MEDIA_NODE_HEARTBEAT_SECONDS")
        self._check_web_server()
        if self.identity_cache_seconds < 0:
            raise ConfigError("IDENTITY_CACHE_SECONDS must not be negative")
        if self.oauth_token_seconds < 60:
            raise ConfigError("OAUTH_TOKEN_SECONDS must be at least 60")
        if self.meeting_reconnect_seconds < 1:
            raise ConfigError("MEETING_RECONNECT_SECONDS must be at least 1")
        if len(self.secret_key) < 16:
            raise ConfigError("SECRET_KEY must be at least 16 characters")
        if self.join_token_private_key:
            self._check_join_token_key()
        for url in self.ice_servers:
            if not url.startswith(("stun:", "turn:", "turns:")):
                raise ConfigError(f"ICE_SERVERS: not a stun:/turn: URL: {url!r}")
        self._check_rate_limits()
        if self.sms_sender:
            self._check_sms_sender()
        if self.storage_link_seconds < 60:
            raise ConfigError("STORAGE_LINK_SECONDS must be at least 60")
        if self.storage_url.startswith("file://") and \
                not self.storage_url.startswith(("file:///", "file://localhost/")):
            raise ConfigError("STORAGE_URL: file:// needs an absolute path, file:///abs/path")
        if self.storage_url.startswith("s3://") and not self.storage_url[5:].split("/")[0]:
            raise ConfigError("STORAGE_URL: s3:// needs a bucket, s3://bucket/prefix")
        if self.public_scheme not in ("http", "https"):
            raise ConfigError("PUBLIC_SCHEME must be http or https")
        for url, name in ((self.storage_url, "STORAGE_URL"), (self.smtp_url, "SMTP_URL")):
            scheme = url.split("://", 1)[0] if url else ""
            allowed = {"STORAGE_URL": ("file", "s3"), "SMTP_URL": ("smtp", "smtps")}[name]
            if url and scheme not in allowed:
                raise ConfigError(f"{name} must start with one of {', '.join(allowed)}://")
        return self

    def _check_rate_limits(self) -> None:
        from ipaddress import ip_network

        from limits import parse_many

        for proxy in self.trusted_proxies:
            try:
                ip_network(proxy, strict=False)
            except ValueError as exc:
                raise ConfigError(f"TRUSTED_PROXIES: not an address or CIDR: {proxy!r}") from exc
        for name in ("ratelimit_authenticate", "ratelimit_password_pages",
                     "ratelimit_meeting_pin", "ratelimit_meeting_pin_room",
                     "ratelimit_not_found", "ratelimit_oauth_client", "ratelimit_sso"):
            try:
                parse_many(getattr(self, name))
            except ValueError as exc:
                raise ConfigError(f"{name.upper()}: not a rate limit like '10 per minute': "
                                  f"{getattr(self, name)!r}") from exc
        if self.login_backoff_after < 0 or self.login_backoff_max_seconds < 1:
            raise ConfigError("LOGIN_BACKOFF_AFTER must be 0 or more and "
                              "LOGIN_BACKOFF_MAX_SECONDS at least 1")

    def _check_web_server(self) -> None:
        from app.logs import chosen_format

        try:
            chosen_format(self.log_format, self.env)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        for name in ("web_workers", "web_threads", "web_timeout_seconds",
                     "web_graceful_timeout_seconds", "web_keepalive_seconds",
                     "database_pool_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name.upper()} must be at least 1")
        if self.database_max_overflow < 0:
            raise ConfigError("DATABASE_MAX_OVERFLOW must be 0 or more")

    @property
    def chosen_log_format(self) -> str:
        """text or json: LOG_FORMAT, else what CONFERA_ENV implies."""
        from app.logs import chosen_format

        return chosen_format(self.log_format, self.env)

    def _check_sms_sender(self) -> None:
        # Here rather than at the first reminder: a wrong name must stop the start.
        import importlib

        module, _, name = self.sms_sender.rpartition(".")
        try:
            found = bool(module) and callable(
                getattr(importlib.import_module(module), name, None))
        except ImportError as exc:
            raise ConfigError(f"SMS_SENDER: cannot import {module!r}: {exc}") from exc
        if not found:
            raise ConfigError(f"SMS_SENDER: not a class path like package.module.Class: "
                              f"{self.sms_sender!r}")

    def _check_join_token_key(self) -> None:
        # Here rather than at the first join: a bad key must stop the start.
        from app.core.security import join_token_keys

        try:
            join_token_keys(self.secret_key, self.join_token_private_key)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"JOIN_TOKEN_PRIVATE_KEY: {exc}") from exc

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes).checked()

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # Accept the URLs operators paste from hosting panels.
            for prefix in ("postgres://", "postgresql://"):
                if url.startswith(prefix):
                    return "postgresql+psycopg://" + url[len(prefix):]
            return url
        return f"sqlite:///{Path(self.instance_path) / 'confera.db'}"

    @property
    def outbox_path(self) -> Path:
        return Path(self.instance_path) / "outbox"

    @property
    def resolved_storage_url(self) -> str:
        return self.storage_url or f"file://{Path(self.instance_path) / 'storage'}"


# Secrets a server needs; outside production, generated once per instance folder.
SECRETS = ("secret_key", "media_node_secret")
SECRETS_FILE = "secrets.json"


def instance_secrets(instance_path: Path, names: list[str]) -> dict[str, str]:
    """The development secrets ``names`` kept in ``<instance>/secrets.json``,
    generated (random, 256 bits) the first time and reused after: no process
    ever runs on a secret written in the code, and a restart keeps sessions,
    encrypted PINs and node links working."""
    path = instance_path / SECRETS_FILE
    kept: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    if any(name not in kept for name in names):
        kept = {**{name: secrets.token_urlsafe(32) for name in SECRETS}, **kept}
        instance_path.mkdir(parents=True, exist_ok=True)
        fresh = path.with_suffix(f".{os.getpid()}.tmp")
        fresh.write_text(json.dumps(kept))
        fresh.chmod(0o600)
        try:
            os.link(fresh, path)  # the first process to write wins; the others read it
        except FileExistsError:
            kept = json.loads(path.read_text())
        finally:
            fresh.unlink()
    return {name: kept[name] for name in names}
