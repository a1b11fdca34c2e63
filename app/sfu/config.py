"""A media node's settings: defaults, then the environment, checked once."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from app.environment import ConfigError, environment_values, is_loopback


class NodeConfigError(Exception):
    pass


MIN_SECRET_LENGTH = 16




@dataclass(frozen=True)
class NodeSettings:
    env: str = "production"  # CONFERA_ENV: development listens on loopback only
    node_id: str = ""  # SFU_NODE_ID; default <hostname>-<port>
    listen_host: str = "127.0.0.1"  # SFU_LISTEN_HOST: signalling and control HTTP
    port: int = 7880  # SFU_PORT
    public_url: str = ""  # SFU_PUBLIC_URL: what clients connect to; default ws://host:port
    control_url: str = ""  # SFU_CONTROL_URL: what the web posts to; default http://host:port
    # Addresses ICE gathers host candidates on; empty: every interface but
    # loopback (aioice's default). A node behind 1:1 NAT also sets announce.
    ice_addresses: tuple[str, ...] = ()  # SFU_ICE_ADDRESSES, comma-separated
    announce_address: str = ""  # SFU_ANNOUNCE_ADDRESS: the public IP put in candidates
    ice_servers: tuple[str, ...] = ()  # SFU_ICE_SERVERS: stun:/turn: URLs, none by default
    web_url: str = ""  # WEB_URL: where heartbeats and events go; empty: standalone
    media_node_secret: str = ""  # MEDIA_NODE_SECRET, shared with the web
    join_token_public_key: str = ""  # SFU_JOIN_TOKEN_PUBLIC_KEY (PEM); else from the web
    heartbeat_seconds: float = 5.0  # SFU_HEARTBEAT_SECONDS (the web may tell another)
    max_participants: int = 0  # SFU_MAX_PARTICIPANTS per node; 0: no limit
    join_timeout_seconds: float = 10.0  # SFU_JOIN_TIMEOUT_SECONDS
    keyframe_interval_seconds: float = 0.5  # SFU_KEYFRAME_INTERVAL_SECONDS: min between PLIs
    # SFU_DRAIN_SECONDS: after a SIGTERM, how long running sessions may go on
    # here before their clients are asked to move (0: at once). A rolling
    # upgrade sets it below the pod's terminationGracePeriodSeconds.
    drain_seconds: float = 0.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> NodeSettings:
        """Defaults overridden by the environment (``SFU_<FIELD>``, and WEB_URL and
        MEDIA_NODE_SECRET as the web names them), then by ``overrides``; checked.
        Values are read as the web reads its own (app/config.py)."""
        names = {"env": "CONFERA_ENV", "web_url": "WEB_URL",
                 "media_node_secret": "MEDIA_NODE_SECRET"}
        try:
            values = environment_values(cls, os.environ if environ is None else environ,
                                        lambda name: names.get(name, "SFU_" + name.upper()))
        except ConfigError as exc:
            raise NodeConfigError(str(exc)) from exc
        values.update(overrides)
        return cls(**values).completed()

    def completed(self) -> NodeSettings:
        node_id = self.node_id or f"{socket.gethostname()}-{self.port}"
        public = self.public_url or f"ws://{self.listen_host}:{self.port}"
        control = self.control_url or f"http://{self.listen_host}:{self.port}"
        done = replace(self, node_id=node_id, public_url=public.rstrip("/"),
                       control_url=control.rstrip("/"), web_url=self.web_url.rstrip("/"))
        if done.web_url and len(done.media_node_secret) < MIN_SECRET_LENGTH:
            raise NodeConfigError("MEDIA_NODE_SECRET (at least 16 characters) is required "
                                  "with WEB_URL")
        if done.env == "development" and not is_loopback(done.listen_host):
            raise NodeConfigError(f"CONFERA_ENV=development listens on loopback only, not "
                                  f"SFU_LISTEN_HOST={done.listen_host}")
        if not done.web_url and not done.join_token_public_key:
            raise NodeConfigError("a standalone node (no WEB_URL) needs "
                                  "SFU_JOIN_TOKEN_PUBLIC_KEY")
        for url in done.ice_servers:
            if not url.startswith(("stun:", "turn:", "turns:")):
                raise NodeConfigError(f"SFU_ICE_SERVERS: not a stun:/turn: URL: {url!r}")
        return done
