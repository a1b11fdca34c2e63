"""The two measurements of ``bench/egress.py``: the baseline process alone,
then the room (media node, publishers, egress, a stand-in for the web), one
after the other so that they never share the machine."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import IO

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.protocol.egress_api import OutputKind, OutputSpec, OutputState, StartOutputs, StopOutput
from app.protocol.join_token import DEFAULT_PERMISSIONS, JoinGrant, Role, sign
from bench.composite.latency import SegmentWatcher, frame_latencies
from bench.composite.publishers import TOKENS_VARIABLE
from bench.composite.report import Baseline, RoomResult
from bench.forwarding.processes import (
    LOOPBACK,
    ROOT,
    ServerProcess,
    _die_with_parent,
    cpu_seconds,
    free_port,
    process_tree,
    rss_mb,
)
from tests.egress.fake_web import FakeEgressWeb, command
from tests.sfu.conftest import NODE_SECRET

START_TIMEOUT = 60.0
LIVE_TIMEOUT = 60.0
COMPANY = "0"


class Helper:
    """A bench helper process (baseline, publishers): ``ready`` on stdout once
    working, stops when its stdin closes."""

    def __init__(self, module: str, args: list[str], log: Path, env: dict[str, str]):
        self._log = log.open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._log, env=env, text=True,
                                     preexec_fn=_die_with_parent)
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            self.stop()
            raise RuntimeError(f"{module} did not start: see {log}")

    def stop(self) -> None:
        stdin: IO[str] | None = self.proc.stdin
        if self.proc.poll() is None and stdin is not None:
            stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def window(pids: list[int], seconds: float) -> tuple[float, float]:
    """Cores ``pids`` used over the next ``seconds``, and the seconds it took."""
    before, started = cpu_seconds(pids), time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    return (cpu_seconds(pids) - before) / elapsed, elapsed


def measure_baseline(args: argparse.Namespace, preset: str, work: Path) -> Baseline:
    work.mkdir(parents=True)
    helper = Helper("bench.composite.baseline",
                    ["--storage", str(work / "storage"), "--preset", preset],
                    work / "baseline.log", dict(os.environ))
    try:
        time.sleep(args.settle)
        cores, seconds = window([helper.proc.pid], args.window)
        rss = rss_mb([helper.proc.pid])
    finally:
        helper.stop()
    return Baseline(cores=cores, seconds=seconds, rss_mb=rss)


def wait_healthy(url: str, server: ServerProcess) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited:\n{server.log_tail()}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer {url}:\n{server.log_tail()}")


class Tokens:
    def __init__(self, session_id: str, node_id: str):
        self.session_id, self.node_id = session_id, node_id
        self._key = ec.generate_private_key(ec.SECP256R1())

    def public_pem(self) -> str:
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def token(self, name: str, role: Role) -> str:
        private = self._key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()).decode()
        return sign(JoinGrant(session_id=self.session_id,
                              participant_id=f"{role}-{uuid.uuid4().hex[:8]}",
                              display_name=name, role=role,
                              permissions=DEFAULT_PERMISSIONS[role], node_id=self.node_id),
                    private, ttl_seconds=3600)


def measure_room(args: argparse.Namespace, preset: str, work: Path) -> RoomResult:
    work.mkdir(parents=True)
    storage = work / "storage"
    tokens = Tokens(uuid.uuid4().hex[:16], "bench-egress-node")
    node_port, egress_port = free_port(), free_port()
    ws_url = f"ws://{LOOPBACK}:{node_port}/sessions/{tokens.session_id}/ws"
    web = FakeEgressWeb()
    started: list[ServerProcess | Helper] = []
    result = RoomResult(publishers=args.publishers)
    try:
        node = ServerProcess("confera node", [sys.executable, "-m", "app.cli", "sfu"],
                             work / "node.log", {
                                 **os.environ, "SFU_NODE_ID": tokens.node_id,
                                 "SFU_PORT": str(node_port), "SFU_LISTEN_HOST": LOOPBACK,
                                 "SFU_ICE_ADDRESSES": LOOPBACK, "MEDIA_NODE_SECRET": NODE_SECRET,
                                 "SFU_JOIN_TOKEN_PUBLIC_KEY": tokens.public_pem()})
        started.append(node)
        wait_healthy(f"http://{LOOPBACK}:{node_port}/health", node)
        web.start()
        control = f"http://{LOOPBACK}:{egress_port}"
        egress = ServerProcess("confera egress", [sys.executable, "-m", "app.cli", "egress"],
                               work / "egress.log", {
                                   **os.environ, "EGRESS_ID": "bench-egress",
                                   "EGRESS_PORT": str(egress_port), "WEB_URL": web.url,
                                   "MEDIA_NODE_SECRET": NODE_SECRET,
                                   "STORAGE_URL": f"file://{storage}",
                                   "EGRESS_ICE_ADDRESSES": LOOPBACK,
                                   "EGRESS_X264_PRESET": preset})
        started.append(egress)
        wait_healthy(control + "/health", egress)
        names = [f"Publisher {p + 1}" for p in range(args.publishers)]
        publishers = Helper(
            "bench.composite.publishers",
            ["--ws-url", ws_url, "--log", str(work / "sent.log"), "--bitrate", str(args.bitrate)],
            work / "publishers.log",
            {**os.environ, TOKENS_VARIABLE: ",".join(tokens.token(n, Role.ATTENDEE)
                                                     for n in names)})
        started.append(publishers)

        hls = OutputSpec("hls", OutputKind.HLS, storage_prefix=f"{COMPANY}/live/bench")
        recording = OutputSpec("recording", OutputKind.RECORDING,
                               storage_prefix=f"{COMPANY}/recordings/bench")
        watcher = SegmentWatcher(storage / hls.storage_prefix)
        watcher.start()
        answer = command(control, StartOutputs(
            session_id=tokens.session_id, node_url=ws_url,
            join_token=tokens.token("", Role.RECORDER), outputs=[hls, recording]))
        answer.raise_for_status()
        web.wait_state(hls.output_id, OutputState.LIVE, timeout=LIVE_TIMEOUT)
        time.sleep(args.settle)

        measured_from = time.monotonic()
        pids = {"egress": process_tree(egress.pid), "node": process_tree(node.pid),
                "publishers": [publishers.proc.pid]}
        before = {name: cpu_seconds(p) for name, p in pids.items()}
        time.sleep(args.window)
        result.seconds = time.monotonic() - measured_from
        result.cores = {name: (cpu_seconds(p) - before[name]) / result.seconds
                        for name, p in pids.items()}
        result.rss_mb = rss_mb(pids["egress"])
        measured_to = time.monotonic()

        for spec in (hls, recording):
            command(control, StopOutput(session_id=tokens.session_id,
                                        output_id=spec.output_id)).raise_for_status()
        for spec in (hls, recording):
            state = web.wait_state(spec.output_id, OutputState.STOPPED, OutputState.FAILED)
            if state.state is OutputState.FAILED:
                result.failed = f"{spec.kind} failed: {state.reason}"
        watcher.stop()
        result.chunks = len(list((storage / recording.storage_prefix / "chunks").glob("*.m4s")))
        frame_latencies(watcher, work / "sent.log", (measured_from, measured_to),
                        args.publishers, result)
    except Exception as exc:
        result.failed = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        for process in reversed(started):
            process.stop()
        web.stop()
    return result
