"""A bridge with network namespaces on it: one machine that looks like a
few, each media node at an address of its own.

The bridge's address (``host_address``) belongs to this namespace: servers
that the nodes reach (the load balancer) listen there, and this namespace's
own WebRTC peers (test clients, the egress) gather their candidates there.
Each namespace is joined to the bridge by a veth pair and has one address
on the bridge's /24."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Namespace:
    name: str
    address: str  # its only address besides loopback

    def command(self, *args: str) -> list[str]:
        """``args`` as a command run inside this namespace."""
        return ["ip", "netns", "exec", self.name, *args]


@dataclass(frozen=True)
class Network:
    bridge: str
    host_address: str  # this namespace's address on the bridge
    namespaces: tuple[Namespace, ...]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


def _quiet(*args: str) -> None:
    subprocess.run(["ip", *args], capture_output=True)


@contextmanager
def bridged_namespaces(count: int, prefix: str = "cfc") -> Iterator[Network]:
    """``count`` fresh namespaces on a fresh bridge (names and subnet from
    the process id, so two runs at once do not meet), all removed on exit.
    Needs root (CAP_NET_ADMIN)."""
    tag = f"{prefix}{os.getpid() % 50000}"
    subnet = f"10.{130 + os.getpid() % 40}.{os.getpid() % 250}"
    with ExitStack() as undo:
        bridge = _bridge(f"{tag}b", f"{subnet}.1", undo)
        namespaces = tuple(_namespace(f"{tag}n{i}", f"{tag}v{i}", bridge, f"{subnet}.{i + 2}",
                                      undo) for i in range(count))
        yield Network(bridge, f"{subnet}.1", namespaces)


def _bridge(name: str, address: str, undo: ExitStack) -> str:
    _quiet("link", "del", name)  # a crashed run's
    _ip("link", "add", name, "type", "bridge")
    undo.callback(_quiet, "link", "del", name)
    _ip("addr", "add", f"{address}/24", "dev", name)
    _ip("link", "set", name, "up")
    return name


def _namespace(name: str, veth: str, bridge: str, address: str, undo: ExitStack) -> Namespace:
    outside, inside = f"{veth}o", f"{veth}i"
    _quiet("netns", "del", name)
    _quiet("link", "del", outside)
    _ip("netns", "add", name)
    undo.callback(_quiet, "netns", "del", name)
    _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
    undo.callback(_quiet, "link", "del", outside)
    _ip("link", "set", inside, "netns", name)
    _ip("link", "set", outside, "master", bridge)
    _ip("link", "set", outside, "up")
    inns = ("netns", "exec", name, "ip")
    _ip(*inns, "addr", "add", f"{address}/24", "dev", inside)
    _ip(*inns, "link", "set", inside, "up")
    _ip(*inns, "link", "set", "lo", "up")
    return Namespace(name, address)
