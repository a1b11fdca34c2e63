"""Baseline "janus" of ``bench/sfu.py``: Debian's Janus VideoRoom, driven over its HTTP API.

Janus does not gather ICE candidates on loopback, and test media must never go to the
machine's own interface address. So Janus runs in a network namespace of its own, joined to
the root namespace by a veth pair; the clients gather on the root end. The namespace and its
veth exist only for the run (a killed run's are removed by the next); the configuration is
written to the run's log directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.forwarding.processes import ClientProcess, ServerProcess, SystemUnavailable
from bench.forwarding.systems import Subscriber, System

NETNS_PREFIX = "confera-bench-"  # + the bench's pid: leftovers of dead runs are found by it
JANUS_HTTP_PORT = 8088  # inside the namespace: nothing else listens there
ROOM = 1234
PLUGIN = "janus.plugin.videoroom"

log = logging.getLogger("bench.sfu")


class JanusError(Exception):
    """Janus refused a request."""


# --- the namespace ---------------------------------------------------------------------


def _ip(*args: str) -> str:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemUnavailable(f"ip {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout


class Netns:
    """A namespace named after the bench's pid, with a veth pair to the root namespace on
    10.77.<k>.0/24 (k from the pid, so two concurrent runs do not share a subnet)."""

    def __init__(self, owner_pid: int) -> None:
        self.name = f"{NETNS_PREFIX}{owner_pid}"
        self.veth_root, self.veth_ns = f"cfb{owner_pid}r", f"cfb{owner_pid}n"
        subnet = f"10.77.{owner_pid % 250 + 1}"
        self.root_address, self.ns_address = f"{subnet}.1", f"{subnet}.2"

    def create(self) -> None:
        _ip("netns", "add", self.name)
        _ip("link", "add", self.veth_root, "type", "veth", "peer", "name", self.veth_ns)
        _ip("link", "set", self.veth_ns, "netns", self.name)
        _ip("addr", "add", f"{self.root_address}/24", "dev", self.veth_root)
        _ip("link", "set", self.veth_root, "up")
        for args in (("addr", "add", f"{self.ns_address}/24", "dev", self.veth_ns),
                     ("link", "set", self.veth_ns, "up"), ("link", "set", "lo", "up")):
            _ip("netns", "exec", self.name, "ip", *args)

    def command(self, *cmd: str) -> list[str]:
        return ["ip", "netns", "exec", self.name, *cmd]

    def delete(self) -> None:
        """Kill what still runs inside and delete it (its veth pair goes with it)."""
        delete_netns(self.name)


def delete_netns(name: str) -> None:
    pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True,
                          check=False).stdout.split()
    for pid in pids:  # only processes this bench started live in its namespace
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)
    subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)


def remove_leftover_namespaces() -> list[str]:
    """Delete the namespaces of bench runs whose process is gone (a crashed run)."""
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                             check=False).stdout
    removed = []
    for name, pid in re.findall(rf"^({re.escape(NETNS_PREFIX)}(\d+))\b", listing, re.M):
        if not Path(f"/proc/{pid}").exists():
            delete_netns(name)
            removed.append(name)
    return removed


# --- the configuration -----------------------------------------------------------------


def _janus_lib() -> Path:
    found = sorted(Path("/usr/lib").glob("*/janus/plugins/libjanus_videoroom.so"))
    if not found:
        raise SystemUnavailable("Janus's videoroom plugin is not installed "
                                "(make bench installs it: apt-get install janus)")
    return found[0].parent.parent


def _all_but(folder: Path, keep: str) -> str:
    return ",".join(sorted(p.name for p in folder.glob("*.so") if p.name != keep))


def write_config(directory: Path, netns: Netns) -> Path:
    """janus.jcfg and the two configs it needs: VideoRoom and plain HTTP on the namespace's
    address; every other plugin, transport, logger and event handler disabled."""
    lib = _janus_lib()
    (directory / "janus.jcfg").write_text(f"""general: {{
    configs_folder = "{directory}"
    plugins_folder = "{lib / 'plugins'}"
    transports_folder = "{lib / 'transports'}"
    events_folder = "{lib / 'events'}"
    loggers_folder = "{lib / 'loggers'}"
    debug_level = 4
    session_timeout = 0
    server_name = "confera-bench"
    interface = "{netns.ns_address}"
}}
media: {{
    ipv6 = false
}}
nat: {{
    ice_enforce_list = "{netns.veth_ns}"
    ignore_mdns = true
}}
plugins: {{
    disable = "{_all_but(lib / 'plugins', 'libjanus_videoroom.so')}"
}}
transports: {{
    disable = "{_all_but(lib / 'transports', 'libjanus_http.so')}"
}}
loggers: {{
    disable = "{_all_but(lib / 'loggers', '')}"
}}
events: {{
    broadcast = false
}}
""")
    (directory / "janus.transport.http.jcfg").write_text(f"""general: {{
    json = "compact"
    base_path = "/janus"
    http = true
    port = {JANUS_HTTP_PORT}
    ip = "{netns.ns_address}"
    https = false
}}
admin: {{
    admin_http = false
    admin_https = false
}}
""")
    (directory / "janus.plugin.videoroom.jcfg").write_text("general: {\n}\n")
    return directory / "janus.jcfg"


# --- the HTTP API ----------------------------------------------------------------------


class JanusSession:
    """One Janus session: requests, and a long poll that hands each asynchronous plugin
    event to the request that caused it (by transaction)."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self._http, self._base = http, base
        self._transactions = (f"t{i}" for i in itertools.count(1))
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._poll: asyncio.Task[None] | None = None
        self.url = ""

    async def _post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        transaction = next(self._transactions)
        # Waiting before the request is sent: the event may beat the "ack" to us.
        event = self._waiting[transaction] = asyncio.get_running_loop().create_future()
        try:
            async with self._http.post(url, json={**body, "transaction": transaction}) as r:
                reply = dict(await r.json(content_type=None))
            if reply.get("janus") == "ack":  # the answer comes as an event
                reply = await asyncio.wait_for(event, 30)
        finally:
            self._waiting.pop(transaction, None)
        if reply.get("janus") == "error":
            raise JanusError(f"{body.get('janus')}: {reply.get('error')}")
        return reply

    async def create(self) -> None:
        reply = await self._post(self._base, {"janus": "create"})
        self.url = f"{self._base}/{reply['data']['id']}"
        self._poll = asyncio.ensure_future(self._long_poll())

    async def _long_poll(self) -> None:
        while True:
            try:
                async with self._http.get(self.url, params={"maxev": "10"},
                                          timeout=aiohttp.ClientTimeout(total=60)) as response:
                    events = await response.json(content_type=None)
            except (aiohttp.ClientError, TimeoutError):
                log.warning("janus long poll failed; retrying", exc_info=True)
                await asyncio.sleep(0.5)
                continue
            for event in events if isinstance(events, list) else [events]:
                waiting = self._waiting.get(event.get("transaction", ""))
                if waiting is not None and not waiting.done():
                    waiting.set_result(event)

    async def attach(self) -> str:
        reply = await self._post(self.url, {"janus": "attach", "plugin": PLUGIN})
        return f"{self.url}/{reply['data']['id']}"

    async def message(self, handle: str, body: dict[str, Any],
                      jsep: dict[str, Any] | None = None) -> tuple[dict[str, Any], str | None]:
        """The plugin's answer to ``body`` and the SDP that came with it, if any."""
        request: dict[str, Any] = {"janus": "message", "body": body}
        if jsep is not None:
            request["jsep"] = jsep
        reply = await self._post(handle, request)
        data = dict(reply.get("plugindata", {}).get("data", {}))
        if "error" in data:
            raise JanusError(f"{body.get('request')}: {data['error']}")
        return data, reply.get("jsep", {}).get("sdp")

    async def detach(self, handle: str) -> None:
        await self._post(handle, {"janus": "detach"})

    async def destroy(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poll
        if self.url:
            with contextlib.suppress(aiohttp.ClientError, JanusError):
                await self._post(self.url, {"janus": "destroy"})


def jsep_of(sdp: str, kind: str) -> dict[str, Any]:
    # aiortc puts every candidate in the SDP and does not trickle.
    return {"type": kind, "sdp": sdp, "trickle": False}


# --- the system ------------------------------------------------------------------------


class JanusSubscriber(Subscriber):
    def __init__(self, client: ClientProcess, peer: str, joined_at: float,
                 session: JanusSession, handle: str) -> None:
        super().__init__(client, peer, joined_at)
        self._session, self._handle = session, handle

    async def leave(self) -> None:
        await self._session.detach(self._handle)
        await super().leave()


class JanusSystem(System):
    name = "janus"
    description = ("Debian's Janus VideoRoom, in a network namespace of its own joined by a "
                   "veth pair; HTTP API, one room, one publisher")

    def __init__(self) -> None:
        self.netns = Netns(os.getpid())
        self.client_address = self.netns.root_address
        self._server: ServerProcess | None = None
        self._http: aiohttp.ClientSession | None = None
        self._session: JanusSession | None = None
        self._publisher_id = 0

    async def start(self, log_dir: Path) -> None:
        if shutil.which("janus") is None:
            raise SystemUnavailable("janus is not installed (make bench installs it: "
                                    "apt-get install janus)")
        config_dir = log_dir / "janus-config"
        config_dir.mkdir()
        config = write_config(config_dir, self.netns)
        self.netns.create()
        self._server = ServerProcess(
            "janus", self.netns.command("janus", "-C", str(config), "-F", str(config_dir),
                                        "--disable-colors"),
            log_dir / "janus.log")
        # The HTTP port is in the namespace; the root namespace reaches it over the veth.
        await self._server.wait_for_port(self.netns.ns_address, JANUS_HTTP_PORT)
        self._http = aiohttp.ClientSession()
        self._session = JanusSession(self._http, f"http://{self.netns.ns_address}:"
                                                 f"{JANUS_HTTP_PORT}/janus")
        await self._session.create()
        handle = await self._session.attach()
        await self._session.message(handle, {
            "request": "create", "room": ROOM, "publishers": 1, "videocodec": "vp8",
            # No periodic key frame requests (fir_freq): Janus asks when a subscriber joins.
            "fir_freq": 0, "bitrate": 0})

    async def publish(self, client: ClientProcess) -> None:
        assert self._session is not None
        handle = await self._session.attach()
        joined, _ = await self._session.message(
            handle, {"request": "join", "ptype": "publisher", "room": ROOM,
                     "display": "publisher"})
        self._publisher_id = int(joined["id"])
        offer = await client.call("offer", role="publisher")
        _, sdp = await self._session.message(handle, {"request": "publish"},
                                             jsep_of(offer["sdp"], "offer"))
        if sdp is None:
            raise JanusError("publish: no SDP answer")
        await client.call("accept", peer=offer["peer"], sdp=sdp)
        await self._wait_publishing(handle)

    async def _wait_publishing(self, handle: str, timeout: float = 20.0) -> None:
        # Janus refuses subscribers ("No such feed") until the publisher's media is up.
        assert self._session is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            listed, _ = await self._session.message(
                handle, {"request": "listparticipants", "room": ROOM})
            if any(p.get("id") == self._publisher_id and p.get("publisher")
                   for p in listed.get("participants", [])):
                return
            await asyncio.sleep(0.1)
        raise JanusError(f"the publisher's media was not up in {timeout:.0f}s")

    async def subscribe(self, client: ClientProcess, decode: bool) -> Subscriber:
        assert self._session is not None
        joined_at = time.monotonic()
        handle = await self._session.attach()
        _, offer = await self._session.message(
            handle, {"request": "join", "ptype": "subscriber", "room": ROOM,
                     "streams": [{"feed": self._publisher_id}]})
        if offer is None:
            raise JanusError("join as subscriber: no SDP offer")
        answer = await client.call("answer", sdp=offer, decode=decode)
        await self._session.message(handle, {"request": "start"},
                                    jsep_of(answer["sdp"], "answer"))
        return JanusSubscriber(client, answer["peer"], joined_at, self._session, handle)

    def pid(self) -> int:
        assert self._server is not None
        return self._server.pid

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.destroy()
        if self._http is not None:
            await self._http.close()
        if self._server is not None:
            self._server.stop()
        self.netns.delete()

    def version(self) -> str:
        if shutil.which("janus") is None:
            return "not installed"
        proc = subprocess.run(["janus", "--version"], capture_output=True, text=True,
                              check=False)
        found = re.search(r"Janus version: \d+ \(([\d.]+)\)", proc.stdout + proc.stderr)
        return f"Janus {found.group(1) if found else '?'} (Debian package)"
