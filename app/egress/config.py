"""An egress process's settings: defaults, then the environment, checked once."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from app.environment import ConfigError, environment_values, is_loopback

MIN_SECRET_LENGTH = 16
# Names that are not EGRESS_<FIELD>: the settings read under the web's own
# names (both processes must agree on them), and the egress's id.
ENV_NAMES = {"egress_id": "EGRESS_ID", "env": "CONFERA_ENV", "web_url": "WEB_URL",
                "media_node_secret": "MEDIA_NODE_SECRET", "storage_url": "STORAGE_URL",
                "s3_endpoint_url": "S3_ENDPOINT_URL",
                "storage_bucket_per_company": "STORAGE_BUCKET_PER_COMPANY"}


class EgressConfigError(Exception):
    pass


@dataclass(frozen=True)
class EgressSettings:
    env: str = "production"  # CONFERA_ENV: development listens on loopback only
    egress_id: str = ""  # EGRESS_ID; default <hostname>-<port>
    listen_host: str = "127.0.0.1"  # EGRESS_LISTEN_HOST: the control API and health
    port: int = 7890  # EGRESS_PORT
    control_url: str = ""  # EGRESS_CONTROL_URL: what the web posts to; default http://host:port
    web_url: str = ""  # WEB_URL: where heartbeats and events go
    media_node_secret: str = ""  # MEDIA_NODE_SECRET, shared with the web and the nodes
    storage_url: str = ""  # STORAGE_URL: file:///abs/path or s3://bucket/prefix (required)
    s3_endpoint_url: str = ""  # S3_ENDPOINT_URL
    storage_bucket_per_company: bool = False  # STORAGE_BUCKET_PER_COMPANY
    # Addresses ICE gathers candidates on; empty: every interface but loopback.
    ice_addresses: tuple[str, ...] = ()  # EGRESS_ICE_ADDRESSES, comma-separated
    ice_servers: tuple[str, ...] = ()  # EGRESS_ICE_SERVERS: stun:/turn: URLs, none by default
    heartbeat_seconds: float = 5.0  # EGRESS_HEARTBEAT_SECONDS (the web may tell another)
    max_sessions: int = 0  # EGRESS_MAX_SESSIONS; 0: no limit
    fps: int = 30  # EGRESS_FPS: of the composed picture
    # EGRESS_X264_PRESET. ultrafast: a room within 0.6 core (bench/egress.py:
    # veryfast costs about 0.9 core scaled to 30 pictures a second), more bits.
    x264_preset: str = "ultrafast"
    video_bitrate: int = 2_500_000  # EGRESS_VIDEO_BITRATE, bits per second
    # EGRESS_FOLLOW_SECONDS: how long a room whose media node went away keeps
    # its outputs running while it waits for the web to send it to the
    # session's new node; then they stop with what they have.
    follow_seconds: float = 20.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None,
                 **overrides: Any) -> EgressSettings:
        """Defaults overridden by the environment (``EGRESS_<FIELD>``, and the
        names in ENV_NAMES), then by ``overrides``; checked."""
        try:
            values = environment_values(cls, os.environ if environ is None else environ,
                                        lambda name: ENV_NAMES.get(name,
                                                                   "EGRESS_" + name.upper()))
        except ConfigError as exc:
            raise EgressConfigError(str(exc)) from exc
        values.update(overrides)
        return cls(**values).completed()

    def completed(self) -> EgressSettings:
        egress_id = self.egress_id or f"{socket.gethostname()}-egress-{self.port}"
        control = self.control_url or f"http://{self.listen_host}:{self.port}"
        done = replace(self, egress_id=egress_id, control_url=control.rstrip("/"),
                       web_url=self.web_url.rstrip("/"))
        if not done.web_url:
            raise EgressConfigError("WEB_URL is required: the web sends an egress its work")
        if len(done.media_node_secret) < MIN_SECRET_LENGTH:
            raise EgressConfigError("MEDIA_NODE_SECRET (at least 16 characters) is required")
        if not done.storage_url.startswith(("file:///", "s3://")):
            raise EgressConfigError("STORAGE_URL (file:///abs/path or s3://bucket/prefix) "
                                    "is required")
        if done.env == "development" and not is_loopback(done.listen_host):
            raise EgressConfigError(f"CONFERA_ENV=development listens on loopback only, not "
                                    f"EGRESS_LISTEN_HOST={done.listen_host}")
        if not 1 <= done.fps <= 60:
            raise EgressConfigError("EGRESS_FPS must be between 1 and 60")
        for url in done.ice_servers:
            if not url.startswith(("stun:", "turn:", "turns:")):
                raise EgressConfigError(f"EGRESS_ICE_SERVERS: not a stun:/turn: URL: {url!r}")
        return done
