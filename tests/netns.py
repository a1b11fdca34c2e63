"""A network namespace joined to this one by a veth pair: a second host for
browsers, so their WebRTC media crosses the veth and never touches the
machine's own interface. Used by the browser tests and bench/join.py."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    # Two fake cameras (and Chromium's three fake microphones): device switching.
    "--use-fake-device-for-media-stream=device-count=2", "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic",
]


@dataclass(frozen=True)
class Netns:
    name: str
    host_address: str  # ours, on the veth: servers the browser reaches listen here
    browser_address: str

    def chromium_wrapper(self, folder: Path) -> str:
        """An executable that starts Debian's Chromium inside the namespace."""
        wrapper = folder / "chromium-in-netns"
        wrapper.write_text(f'#!/bin/sh\nexec ip netns exec {self.name} {CHROMIUM} "$@"\n')
        wrapper.chmod(0o755)
        return str(wrapper)

    def chromium_args(self) -> list[str]:
        """Flags for a fake camera and microphone, every *.localhost name at our end."""
        return [*CHROMIUM_FLAGS, f"--host-resolver-rules=MAP *.localhost {self.host_address}"]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@contextmanager
def veth_namespace(prefix: str) -> Iterator[Netns]:
    """A fresh namespace (names and subnet from the process id), removed on exit."""
    pid = os.getpid()
    subnet = f"10.{90 + pid % 40}.{pid % 250}"
    ns = Netns(f"{prefix}{pid % 50000}", f"{subnet}.1", f"{subnet}.2")
    outside, inside = f"{prefix}o{pid % 50000}", f"{prefix}i{pid % 50000}"
    subprocess.run(["ip", "netns", "del", ns.name], capture_output=True)  # a crashed run's
    subprocess.run(["ip", "link", "del", outside], capture_output=True)
    _ip("netns", "add", ns.name)
    try:
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", ns.name)
        _ip("addr", "add", f"{ns.host_address}/24", "dev", outside)
        _ip("link", "set", outside, "up")
        inns = ("netns", "exec", ns.name, "ip")
        _ip(*inns, "addr", "add", f"{ns.browser_address}/24", "dev", inside)
        _ip(*inns, "link", "set", inside, "up")
        _ip(*inns, "link", "set", "lo", "up")
        yield ns
    finally:
        subprocess.run(["ip", "link", "del", outside], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns.name], capture_output=True)
