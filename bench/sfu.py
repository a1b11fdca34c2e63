"""Benchmark: the CPU cost of forwarding video, Confera's node against Janus and a
re-encoding relay (``make bench``).

One publisher sends 640x480 VP8 at 30 fps and about 2 Mbit/s; 1, 2, 4, 8, 16 subscribers
receive it. For each system and subscriber count the bench measures the forwarding process's
CPU (utime + stime from /proc over a window), RSS, and per subscriber the frame rate, packet
loss and bitrate; then the join -> first decoded frame latency over 20 joins. The systems run
one after the other in the same command (the machine is noisy: the ratios between them are
the figures that count):

- janus: Debian's Janus VideoRoom in a network namespace of its own;
- relay: aiortc's MediaRelay, decoding once and re-encoding per subscriber
  (bench/relay_node.py);
- confera: Confera's media node, ``python -m app.cli sfu`` (reported as not available when
  it does not start).

Publisher and subscribers are aiortc peers in processes of their own; the parts are in
bench/forwarding/. Writes bench/RESULTS-sfu.md and links it from bench/RESULTS.md (which
bench/api.py rewrites). Needs root (network namespaces) and ``janus`` (``make bench``
installs it).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on sys.path, the repo is not
    sys.path.insert(0, str(ROOT))

from bench.forwarding.confera import ConferaSystem  # noqa: E402
from bench.forwarding.janus import JanusSystem, remove_leftover_namespaces  # noqa: E402
from bench.forwarding.processes import (  # noqa: E402
    ClientProcess,
    SystemUnavailable,
    cpu_seconds,
    process_tree,
    rss_mb,
)
from bench.forwarding.relay import RelaySystem  # noqa: E402
from bench.forwarding.report import (  # noqa: E402
    SATURATED_FPS,
    Step,
    SystemResult,
    markdown,
    step_line,
    summary,
)
from bench.forwarding.systems import Subscriber, System  # noqa: E402
from bench.results_index import link_from_index  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS-sfu.md"
API_RESULTS = ROOT / "bench" / "RESULTS.md"
SYSTEMS: dict[str, type[System]] = {"janus": JanusSystem, "relay": RelaySystem,
                                    "confera": ConferaSystem}
SATURATED_CORES = 0.9  # of the machine's CPUs: a system using more gets no more subscribers
FLOWING_TIMEOUT = 20.0  # for every subscriber to receive frames
FIRST_FRAME_TIMEOUT = 10.0
JOIN_CONCURRENCY = 4
LOG_DIR_PREFIX = "confera_bench_sfu_"  # + pid + "_" + random: a killed run's is found by pid
KEEP_MARK = "KEPT"  # in a log directory a finished run kept on purpose

log = logging.getLogger("bench.sfu")


# --- the clients ---------------------------------------------------------------------------

class ClientPool:
    """The publisher's process and the subscribers' processes of one system's run."""

    def __init__(self, publisher: ClientProcess, subscribers: list[ClientProcess]) -> None:
        self.publisher, self.subscribers = publisher, subscribers

    @classmethod
    async def start(cls, address: str, processes: int, log_dir: Path) -> ClientPool:
        started = await asyncio.gather(
            *(ClientProcess.start(address, log_dir / f"clients{i}.log")
              for i in range(processes + 1)))
        return cls(started[0], list(started[1:]))

    def for_subscriber(self, index: int) -> ClientProcess:
        return self.subscribers[index % len(self.subscribers)]

    def pids(self) -> list[int]:
        return [self.publisher.pid, *(c.pid for c in self.subscribers)]

    async def figures(self) -> dict[tuple[int, str], dict[str, Any]]:
        """Every peer's counters, by (client pid, peer)."""
        replies = await asyncio.gather(*(c.call("figures")
                                         for c in [self.publisher, *self.subscribers]))
        return {(client.pid, peer): figures
                for client, reply in zip([self.publisher, *self.subscribers], replies,
                                         strict=True)
                for peer, figures in reply["peers"].items()}

    async def stop(self) -> None:
        await asyncio.gather(*(c.stop() for c in [self.publisher, *self.subscribers]))


@dataclass
class Sample:
    at: float
    system_cpu: float
    clients_cpu: float
    figures: dict[tuple[int, str], dict[str, Any]]


async def sample(system: System, pool: ClientPool) -> Sample:
    figures = await pool.figures()
    return Sample(at=time.monotonic(), system_cpu=cpu_seconds(process_tree(system.pid())),
                  clients_cpu=cpu_seconds(pool.pids()), figures=figures)


def _delta(before: Sample, after: Sample, key: tuple[int, str], name: str) -> int:
    return int(after.figures.get(key, {}).get(name, 0)) - \
        int(before.figures.get(key, {}).get(name, 0))


def step_between(before: Sample, after: Sample, subscribers: list[Subscriber],
                 pool: ClientPool, rss: float) -> Step:
    """The figures of the window between two samples."""
    seconds = after.at - before.at
    fps, loss, kbps = [], [], []
    for key in ((s.client.pid, s.peer) for s in subscribers):
        expected = _delta(before, after, key, "expected")
        received = _delta(before, after, key, "packets")
        fps.append(_delta(before, after, key, "frames") / seconds)
        kbps.append(_delta(before, after, key, "bytes") * 8 / seconds / 1000)
        loss.append(max(0, expected - received) / expected if expected > 0 else 1.0)
    (publisher,) = [key for key in after.figures if key[0] == pool.publisher.pid]
    return Step(
        subscribers=len(subscribers), seconds=seconds,
        cores=(after.system_cpu - before.system_cpu) / seconds, rss_mb=rss,
        fps=fps, loss=loss, kbps=kbps,
        clients_cores=(after.clients_cpu - before.clients_cpu) / seconds,
        publisher_fps=_delta(before, after, publisher, "frames_sent") / seconds,
        publisher_kbps=_delta(before, after, publisher, "bytes_sent") * 8 / seconds / 1000)


# --- one system ------------------------------------------------------------------------------

async def join(system: System, pool: ClientPool, subscribers: list[Subscriber],
               count: int) -> None:
    """Join subscribers (a few at a time) until there are ``count``."""
    limit = asyncio.Semaphore(JOIN_CONCURRENCY)

    async def one(index: int) -> Subscriber:
        async with limit:
            return await system.subscribe(pool.for_subscriber(index), decode=False)

    subscribers.extend(await asyncio.gather(*(one(i) for i in range(len(subscribers), count))))


async def wait_flowing(pool: ClientPool, subscribers: list[Subscriber]) -> None:
    """Return once every subscriber has received a frame, or after FLOWING_TIMEOUT (the
    window then shows who got nothing)."""
    deadline = time.monotonic() + FLOWING_TIMEOUT
    while time.monotonic() < deadline:
        figures = await pool.figures()
        if all(figures.get((s.client.pid, s.peer), {}).get("frames", 0) > 0
               for s in subscribers):
            return
        await asyncio.sleep(0.2)
    log.warning("not every subscriber receives frames after %.0fs", FLOWING_TIMEOUT)


async def ramp(system: System, pool: ClientPool, args: argparse.Namespace,
               result: SystemResult) -> None:
    """Measure each subscriber count in turn; stop when the system is saturated."""
    subscribers: list[Subscriber] = []
    try:
        for count in args.counts:
            await join(system, pool, subscribers, count)
            await wait_flowing(pool, subscribers)
            await asyncio.sleep(args.settle)
            before = await sample(system, pool)
            await asyncio.sleep(args.window)
            after = await sample(system, pool)
            step = step_between(before, after, subscribers, pool,
                                rss_mb(process_tree(system.pid())))
            result.steps.append(step)
            print(step_line(system.name, step), flush=True)
            if reason := saturated(step):
                result.saturation = f"saturated at {count} subscribers: {reason}"
                if count != args.counts[-1]:
                    result.saturation += "; it got no more subscribers"
                break
    finally:
        left = await asyncio.gather(*(s.leave() for s in subscribers), return_exceptions=True)
        for failure in (f for f in left if isinstance(f, Exception)):
            log.warning("%s: a subscriber failed to leave: %s", system.name, failure)


def saturated(step: Step) -> str:
    if statistics.median(step.fps) < SATURATED_FPS:
        return (f"the median subscriber got {statistics.median(step.fps):.1f} fps "
                f"(< {SATURATED_FPS:.0f})")
    cores = os.cpu_count() or 1
    if step.cores >= SATURATED_CORES * cores:
        return f"it used {step.cores:.2f} of the machine's {cores} cores"
    return ""


async def wait_first_frame(subscriber: Subscriber) -> dict[str, Any] | None:
    """The subscriber's figures once it has decoded a frame; None after FIRST_FRAME_TIMEOUT."""
    deadline = time.monotonic() + FIRST_FRAME_TIMEOUT
    while time.monotonic() < deadline:
        reply = await subscriber.client.call("figures")
        figures = reply["peers"].get(subscriber.peer, {})
        if figures.get("first_frame_at") is not None:
            return dict(figures)
        await asyncio.sleep(0.05)
    return None


async def measure_joins(system: System, pool: ClientPool, args: argparse.Namespace,
                        result: SystemResult) -> None:
    """Time ``args.joins`` joins, one at a time, ``args.join_gap`` seconds apart: systems
    limit how often they ask the publisher for a key frame, and joins in quick succession
    would measure that limit instead of a join."""
    for _ in range(args.joins):
        await asyncio.sleep(args.join_gap)
        subscriber = await system.subscribe(pool.subscribers[0], decode=True)
        try:
            figures = await wait_first_frame(subscriber)
        finally:
            await subscriber.leave()
        if figures is None:
            result.join_failures += 1
            continue
        result.joins_ms.append((figures["first_frame_at"] - subscriber.joined_at) * 1000)
        if figures["connected_at"] is not None:
            result.connects_ms.append((figures["connected_at"] - subscriber.joined_at) * 1000)


async def run_system(system: System, args: argparse.Namespace, log_dir: Path) -> SystemResult:
    """Start ``system``, measure it, stop it; failures end up in the result, not raised."""
    result = SystemResult(system.name, system.description, system.version())
    print(f"{system.name}: starting ...", flush=True)
    pool: ClientPool | None = None
    try:
        await system.start(log_dir)
        pool = await ClientPool.start(system.client_address, args.client_processes,
                                      log_dir / system.name)
        await system.publish(pool.publisher)
        (result.publisher,) = (await pool.publisher.call("figures"))["peers"].values()
        await ramp(system, pool, args, result)
        await measure_joins(system, pool, args, result)
    except SystemUnavailable as exc:
        result.unavailable = str(exc)
    except Exception as exc:  # whatever broke, the other systems still run
        log.exception("%s failed", system.name)
        result.failed = f"{type(exc).__name__}: {exc}"
    finally:
        if pool is not None:
            await pool.stop()
        await system.stop()
    if result.unavailable or result.failed:
        print(f"{system.name}: {'not available' if result.unavailable else 'failed'}: "
              f"{result.unavailable or result.failed}", flush=True)
    return result


# --- the benchmark -------------------------------------------------------------------------

def remove_leftover_log_dirs() -> list[str]:
    """The log directories of killed runs (a run that ends keeps its logs only when asked,
    or when a system failed: those are left alone)."""
    removed = []
    for path in Path(tempfile.gettempdir()).glob(f"{LOG_DIR_PREFIX}*_*"):
        pid = path.name.removeprefix(LOG_DIR_PREFIX).split("_", 1)[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists() and \
                not (path / KEEP_MARK).exists():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(str(path))
    return removed


def machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    mem = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
    load1, load5, _ = os.getloadavg()
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model.group(1).strip() if model else "unknown",
        "memory": f"{int(mem.group(1)) / 1024 / 1024:.1f} GiB" if mem else "unknown",
        "kernel": platform.release(),
        "python": platform.python_version(),
        **{name: metadata.version(name) for name in ("aiortc", "aioice", "av", "aiohttp")},
        "load": f"{load1:.2f} (1 min), {load5:.2f} (5 min) before the run",
    }


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    info = machine()
    removed = remove_leftover_namespaces() + remove_leftover_log_dirs()
    if removed:
        print(f"removed what killed runs left: {', '.join(removed)}", flush=True)
    log_dir = Path(tempfile.mkdtemp(prefix=f"{LOG_DIR_PREFIX}{os.getpid()}_"))
    results: dict[str, SystemResult] = {}
    try:
        for name in args.systems:
            (log_dir / name).mkdir()
            results[name] = await run_system(SYSTEMS[name](), args, log_dir)
    finally:
        # Kept when asked, and when something went wrong (an interrupted run included).
        if args.keep_logs or len(results) < len(args.systems) or \
                any(r.unavailable or r.failed for r in results.values()):
            (log_dir / KEEP_MARK).touch()
            print(f"logs in {log_dir}", flush=True)
        else:
            shutil.rmtree(log_dir, ignore_errors=True)
    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": info,
            "args": args, "results": results, "join_concurrency": JOIN_CONCURRENCY,
            "elapsed_s": time.monotonic() - started}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--systems", type=lambda s: s.split(","),
                        default=list(SYSTEMS), help="comma-separated, of janus,relay,confera")
    parser.add_argument("--counts", type=lambda s: [int(n) for n in s.split(",")],
                        default=[1, 2, 4, 8, 16], help="subscriber counts, ascending")
    parser.add_argument("--window", type=float, default=10, help="seconds measured per count")
    parser.add_argument("--settle", type=float, default=2,
                        help="seconds between the last join and the window")
    parser.add_argument("--joins", type=int, default=20, help="joins timed to the first frame")
    parser.add_argument("--join-gap", type=float, default=1.0,
                        help="seconds between one timed join's leave and the next join")
    parser.add_argument("--client-processes", type=int, default=4,
                        help="processes the subscribers are spread over")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="Markdown file to write (default: bench/RESULTS-sfu.md)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--keep-logs", action="store_true",
                        help="keep the servers' and clients' logs (kept anyway when a system "
                        "fails; their directory is printed)")
    parser.add_argument("--command", default="make bench",
                        help="the command to cite in the results file")
    args = parser.parse_args()
    unknown = set(args.systems) - set(SYSTEMS)
    if unknown or args.counts != sorted(args.counts) or min(args.counts) < 1:
        parser.error(f"unknown systems {sorted(unknown)}" if unknown
                     else "--counts must be ascending and positive")
    return args


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    # SIGTERM (make interrupted, a timeout) cancels the run like Ctrl-C does, so every
    # finally runs: processes stopped, namespace deleted.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await bench(args)


def main() -> None:
    args = parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench/sfu.py needs root: it creates a network namespace for Janus")
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if subprocess.run(["ip", "-V"], capture_output=True, check=False).returncode != 0:
        raise SystemExit("bench/sfu.py needs iproute2's `ip`")
    try:
        run = asyncio.run(main_async(args))
    except asyncio.CancelledError:
        raise SystemExit("bench/sfu.py: stopped by SIGTERM") from None
    print(summary(run["results"], run["elapsed_s"]))
    if not args.no_write:
        args.results.write_text(markdown(run["results"], run))
        if args.results.resolve() == RESULTS:
            link_from_index(args.results, "SFU forwarding", "written by `bench/sfu.py` "
                            "(`make bench` runs it after `bench/api.py`).", API_RESULTS)
        print(f"  written to {args.results}")


if __name__ == "__main__":
    main()
