"""The processes ``bench/sfu.py`` starts and measures: servers (the systems under test),
client processes (``bench.forwarding.clients``), and their CPU and memory from /proc."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
LOOPBACK = "127.0.0.1"
PR_SET_PDEATHSIG = 1
CALL_TIMEOUT = 30.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


class SystemUnavailable(Exception):
    """A system cannot run here (not installed, not built yet, its server exits at start);
    the bench reports why and goes on with the others."""


class ClientError(Exception):
    """A client process failed a request or died."""


def _die_with_parent() -> None:
    # Runs in the child before exec: the kernel sends it SIGTERM when the bench exits, even
    # when the bench is killed, so no server outlives a crashed run.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """A server in a session of its own, its output in a log file."""

    def __init__(self, name: str, cmd: Sequence[str], log_path: Path,
                 env: Mapping[str, str] | None = None) -> None:
        self.name = name
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            list(cmd), cwd=ROOT, env=dict(env or os.environ), stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_die_with_parent)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    async def wait_for_port(self, host: str, port: int, timeout: float = 30.0) -> None:
        """Return once ``host:port`` accepts connections; SystemUnavailable if it exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemUnavailable(f"{self.name} exited ({self.proc.returncode}):\n"
                                        f"{self.log_tail()}")
            try:
                _, writer = await asyncio.open_connection(host, port)
            except OSError:
                await asyncio.sleep(0.2)
                continue
            writer.close()
            await writer.wait_closed()
            return
        raise SystemUnavailable(f"{self.name} did not listen on {host}:{port} in "
                                f"{timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the whole group, SIGKILL after 10 s."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()


class ClientProcess:
    """A ``bench.forwarding.clients`` process and its request pipe (one JSON object a line)."""

    def __init__(self, proc: asyncio.subprocess.Process, log_file: Any) -> None:
        self.proc = proc
        self._log_file = log_file
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def start(cls, address: str, log_path: Path) -> ClientProcess:
        log_file = log_path.open("wb")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.forwarding.clients", "--address", address, cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_file, limit=1 << 20,
            preexec_fn=_die_with_parent)
        return cls(proc, log_file)

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def call(self, op: str, **args: Any) -> dict[str, Any]:
        """The process's answer to ``op``; ClientError when it reports a failure."""
        assert self.proc.stdin is not None
        request_id = next(self._ids)
        answer = self._waiting[request_id] = asyncio.get_running_loop().create_future()
        self.proc.stdin.write(json.dumps({"id": request_id, "op": op, **args}).encode() + b"\n")
        await self.proc.stdin.drain()
        try:
            reply = await asyncio.wait_for(answer, CALL_TIMEOUT)
        finally:
            self._waiting.pop(request_id, None)
        if "error" in reply:
            raise ClientError(f"client {self.pid}: {op}: {reply['error']}")
        return reply

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            reply = json.loads(line)
            waiting = self._waiting.get(reply.pop("id"))
            if waiting is not None and not waiting.done():
                waiting.set_result(reply)
        for waiting in self._waiting.values():  # the process died
            if not waiting.done():
                waiting.set_exception(ClientError(f"client {self.pid} exited"))

    async def stop(self) -> None:
        """Close its stdin (it closes its peers and exits); SIGKILL after 10 s."""
        if self.proc.returncode is None and self.proc.stdin is not None:
            self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        await self._reader
        self._log_file.close()


# --- /proc -------------------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (``ip netns exec`` and node workers included)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(current := todo.pop())
        todo.extend(children.get(current, []))
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of ``pids`` (every thread of each), in seconds."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14, 15
    return total / CLK_TCK


def rss_mb(pids: list[int]) -> float:
    total_kb = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            found = re.search(r"^VmRSS:\s+(\d+) kB",
                              Path(f"/proc/{pid}/status").read_text(), re.M)
            total_kb += int(found.group(1)) if found else 0
    return total_kb / 1024
