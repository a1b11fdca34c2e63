"""The whole platform scaled out on one machine: two `confera web` processes
(gunicorn) behind nginx (round robin), three `confera sfu` nodes each in a
network namespace of its own, one worker, one egress; one database and one
storage folder. The test fixture (tests/cluster/conftest.py) and
`make demo-cluster` (tests/cluster/__main__.py) both start it here.

Addresses: nginx listens on loopback (browsers, tests: the Ingress) and on
the bridge's address in this namespace (the nodes' and the egress's WEB_URL:
in Kubernetes they reach the web through its Service), each door with a
round robin of its own. Each node listens and
gathers ICE candidates on its namespace's address only, on the same port."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import aioice.ice
import httpx

from app.config import Settings
from app.sfu.aiortc_hooks import restrict_host_addresses
from tests.cluster.balancer import LoadBalancer
from tests.cluster.network import Namespace, Network, bridged_namespaces
from tests.helpers import confera, free_port, settings_env, wait_until

WEB_COUNT, NODE_COUNT = 2, 3
NODE_PORT = 7880  # every node on the same port: each has an address of its own
STOP_SECONDS = 15
STARTUP_SECONDS = 60  # seven Python processes start at once, on few cores


@dataclass
class ClusterNode:
    """One `confera sfu` in its own namespace."""

    index: int
    node_id: str
    namespace: Namespace
    proc: subprocess.Popen[bytes]

    @property
    def address(self) -> str:
        return self.namespace.address

    @property
    def control_url(self) -> str:
        return f"http://{self.address}:{NODE_PORT}"

    def ws_url(self, session_id: str) -> str:
        return f"ws://{self.address}:{NODE_PORT}/sessions/{session_id}/ws"

    def health(self) -> dict[str, Any]:
        """The node's own /health: ready, draining, and its load (participants ...)."""
        return dict(httpx.get(self.control_url + "/health", timeout=5.0).json())

    @property
    def running(self) -> bool:
        return self.proc.poll() is None


@dataclass
class Cluster:
    settings: Settings
    network: Network
    balancer: LoadBalancer
    webs: list[subprocess.Popen[bytes]]
    web_addresses: list[str]  # host:port of each web process, as nginx names them
    nodes: list[ClusterNode]
    env: dict[str, str]  # the web's environment (the worker's too)
    others: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)  # worker, egress
    egress_url: str = ""  # the egress's control API and /health

    @property
    def port(self) -> int:
        """The load balancer's port (loopback and the bridge address)."""
        return self.balancer.port

    @property
    def node_addresses(self) -> list[str]:
        return [node.address for node in self.nodes]

    def url(self, host_name: str, path: str) -> str:
        """``path`` on a company's host name, through the load balancer."""
        return f"http://{host_name}:{self.port}{path}"

    def join(self, host_name: str, access_code: str, name: str, **body: Any) -> dict[str, Any]:
        """A join ticket for a room from the meeting API, through the load balancer."""
        answer = httpx.post(f"http://127.0.0.1:{self.port}/api/v1/rooms/{access_code}/join",
                            json={"display_name": name, **body},
                            headers={"Host": host_name}, timeout=15)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def node_of(self, ticket: dict[str, Any]) -> ClusterNode:
        """The node a join ticket sends its holder to."""
        [node] = [n for n in self.nodes if ticket["node_url"] == n.ws_url(ticket["session_id"])]
        return node

    def node_by_id(self, node_id: str) -> ClusterNode:
        return next(node for node in self.nodes if node.node_id == node_id)

    def kill_node(self, index: int) -> None:
        """SIGKILL node ``index`` (a crash: no goodbye, no last heartbeat)."""
        node = self.nodes[index]
        node.proc.send_signal(signal.SIGKILL)
        node.proc.wait(timeout=STOP_SECONDS)

    def drain_node(self, index: int) -> None:
        """SIGTERM node ``index``, as Kubernetes stops a pod in a rolling
        upgrade: it drains (takes no new sessions) and exits. Returns at once."""
        self.nodes[index].proc.send_signal(signal.SIGTERM)

    def wait_nodes_ready(self, timeout: float = 30.0) -> None:
        """Until every running node says it is ready (the web answered its heartbeats)."""
        def ready() -> bool:
            try:
                return all(node.health()["ready"] for node in self.nodes if node.running)
            except (httpx.TransportError, ValueError):
                return False

        wait_until(ready, "every node ready", timeout=timeout)

    def wait_egress_ready(self, timeout: float = 30.0) -> None:
        """Until the egress says it is ready (the web answered its heartbeats)."""
        def ready() -> bool:
            try:
                return httpx.get(self.egress_url + "/health", timeout=5.0).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(ready, "the egress ready", timeout=timeout)


def web_environment(settings: Settings, network: Network, lb_port: int,
                    heartbeat_seconds: float, dead_after_seconds: float,
                    **extra: str) -> dict[str, str]:
    """The web's (and the worker's) environment: URLs say the load balancer's
    port, nodes come from the bridge's subnet, nginx's X-Forwarded-For is believed."""
    subnet = network.host_address.rsplit(".", 1)[0] + ".0/24"
    return settings_env(
        settings, PUBLIC_SCHEME="http", PUBLIC_PORT=str(lb_port), WEB_WORKERS="1",
        STORAGE_URL=settings.resolved_storage_url,
        MEDIA_NODE_HEARTBEAT_SECONDS=str(heartbeat_seconds),
        MEDIA_NODE_DEAD_AFTER_SECONDS=str(dead_after_seconds),
        NODE_API_HOSTS=f"127.0.0.1,localhost,{network.host_address}",
        MEDIA_NODE_ALLOWED_HOSTS=f"127.0.0.0/8,{subnet}",
        TRUSTED_PROXIES=f"127.0.0.1/32,{network.host_address}/32",
        JOB_POLL_SECONDS="0.2", **extra)


@contextmanager
def running_cluster(settings: Settings, heartbeat_seconds: float = 0.5,
                    dead_after_seconds: float = 3.0, **web_env: str) -> Iterator[Cluster]:
    """The cluster on ``settings``' database and storage (migrated already),
    everything stopped and removed on exit.
    While it runs, this process's own WebRTC peers (aiortc test clients)
    gather ICE candidates on the bridge's address: the nodes reach nothing else."""
    with ExitStack() as stack:
        network = stack.enter_context(bridged_namespaces(NODE_COUNT))
        lb_port, web_ports = free_port(), [free_port() for _ in range(WEB_COUNT)]
        upstreams = [f"127.0.0.1:{port}" for port in web_ports]
        balancer = LoadBalancer(["127.0.0.1", network.host_address], lb_port, upstreams)
        stack.callback(balancer.stop)
        env = web_environment(settings, network, lb_port, heartbeat_seconds,
                              dead_after_seconds, **web_env)
        # Everything starts at once (a node heartbeats until the web answers);
        # the webs stop last, after the processes that report to them.
        webs = _started(stack, [confera("web", "--port", str(port), env=env)
                                for port in web_ports])
        internal_url = f"http://{network.host_address}:{lb_port}"
        nodes = [_node(i, ns, settings, internal_url) for i, ns in enumerate(network.namespaces)]
        egress_port = free_port()
        others = {"worker": confera("worker", env=env), "egress": confera("egress", env=_egress_env(
            settings, internal_url, network.host_address, egress_port, heartbeat_seconds))}
        _started(stack, [*(node.proc for node in nodes), *others.values()])
        cluster = Cluster(settings, network, balancer, webs, upstreams, nodes, env, others,
                          f"http://127.0.0.1:{egress_port}")
        for web, port in zip(webs, web_ports, strict=True):
            _wait_answering(web, f"http://127.0.0.1:{port}/enterprise_api/openapi.json")
        stack.enter_context(_peers_gather_on(network.host_address))
        cluster.wait_nodes_ready(timeout=STARTUP_SECONDS)
        cluster.wait_egress_ready(timeout=STARTUP_SECONDS)
        yield cluster


def _node(index: int, namespace: Namespace, settings: Settings, web_url: str) -> ClusterNode:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONFERA_", "SFU_"))}
    env.update(SFU_NODE_ID=f"cluster-node-{index}", SFU_PORT=str(NODE_PORT),
               SFU_LISTEN_HOST=namespace.address, SFU_ICE_ADDRESSES=namespace.address,
               WEB_URL=web_url, MEDIA_NODE_SECRET=settings.media_node_secret,
               SFU_JOIN_TOKEN_PUBLIC_KEY="")
    proc = confera("sfu", env=env, netns=namespace.name)
    return ClusterNode(index, env["SFU_NODE_ID"], namespace, proc)


def _wait_answering(proc: subprocess.Popen[bytes], url: str) -> None:
    """Until ``url`` answers; fails at once if ``proc`` (serving it) exits."""
    def answering() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1.0)
            return True
        except httpx.TransportError:
            return False

    wait_until(answering, f"{url} answers", timeout=STARTUP_SECONDS)


def _egress_env(settings: Settings, web_url: str, ice_address: str, port: int,
                heartbeat_seconds: float) -> dict[str, str]:
    return settings_env(
        settings, WEB_URL=web_url, STORAGE_URL=settings.resolved_storage_url,
        EGRESS_ID="cluster-egress", EGRESS_PORT=str(port),
        EGRESS_LISTEN_HOST="127.0.0.1", EGRESS_ICE_ADDRESSES=ice_address,
        EGRESS_HEARTBEAT_SECONDS=str(heartbeat_seconds), EGRESS_FPS="15")


def _started(stack: ExitStack,
             procs: list[subprocess.Popen[bytes]]) -> list[subprocess.Popen[bytes]]:
    """``procs``, stopped together (SIGTERM, then SIGKILL) when ``stack`` closes."""
    stack.callback(_stop, procs)
    return procs


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    running = [proc for proc in procs if proc.poll() is None]
    for proc in running:
        proc.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for proc in running:
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def _peers_gather_on(address: str) -> Iterator[None]:
    before = aioice.ice.get_host_addresses
    restrict_host_addresses([address])
    try:
        yield
    finally:
        aioice.ice.get_host_addresses = before
