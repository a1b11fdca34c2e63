"""The figures of ``bench/sfu.py``: what one run measured, what follows from it (slopes,
ratios, goals), and how it is printed and written to bench/RESULTS-sfu.md."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

TARGET_FPS = 30
FULL_RATE_FPS = 29.0  # 30 fps over a window, give or take the frame at each edge
SATURATED_FPS = 15.0  # a system below this median frame rate is not measured further
GOAL_STREAMS_PER_CORE = 50.0
GOAL_JANUS_RATIO = 3.0
GOAL_PER_CORE_TEXT = (f">= {GOAL_STREAMS_PER_CORE:.0f} forwarded streams per core at "
                      f"{TARGET_FPS} fps with no loss")
GOAL_JANUS_TEXT = f"CPU per stream <= {GOAL_JANUS_RATIO:.0f}x Janus's"
BASELINES = ("janus", "relay")


@dataclass
class Step:
    """One subscriber count, measured over one window."""

    subscribers: int
    seconds: float
    cores: float  # the system's process tree, (utime + stime) / window
    rss_mb: float
    fps: list[float]  # per subscriber
    loss: list[float]  # per subscriber: lost / expected packets (1.0: nothing arrived)
    kbps: list[float]  # per subscriber, RTP payload received
    clients_cores: float  # publisher and subscriber processes together
    publisher_fps: float
    publisher_kbps: float

    @property
    def full_rate(self) -> bool:
        """Every subscriber got 30 fps and lost no packet."""
        return min(self.fps) >= FULL_RATE_FPS and max(self.loss) == 0.0

    @property
    def kept_up(self) -> bool:
        """The median subscriber got 30 fps: the system was not saturated."""
        return statistics.median(self.fps) >= FULL_RATE_FPS


@dataclass
class SystemResult:
    name: str
    description: str
    version: str = ""
    steps: list[Step] = field(default_factory=list)
    joins_ms: list[float] = field(default_factory=list)  # join -> first decoded frame
    connects_ms: list[float] = field(default_factory=list)  # join -> ICE and DTLS done
    join_failures: int = 0
    saturation: str = ""  # at which count it could no longer keep up, and why
    unavailable: str = ""  # why it was not measured at all
    failed: str = ""  # an error that ended its run
    publisher: dict[str, Any] = field(default_factory=dict)  # the clip's figures

    @property
    def measured(self) -> bool:
        return len(self.steps) >= 2

    @property
    def not_measured(self) -> str:
        """Why there are no figures for it, in a line or a few."""
        return self.unavailable or self.failed or "fewer than two subscriber counts measured"

    @property
    def slope_steps(self) -> list[Step]:
        """The counts the system kept up with: a saturated system's CPU cannot grow."""
        kept_up = [s for s in self.steps if s.kept_up]
        return kept_up if len(kept_up) >= 2 else self.steps

    @property
    def cores_per_stream(self) -> float:
        """The marginal CPU of one forwarded stream: the least-squares slope of cores over
        subscriber counts."""
        return _slope([s.subscribers for s in self.slope_steps],
                      [s.cores for s in self.slope_steps])

    @property
    def streams_per_core(self) -> float:
        slope = self.cores_per_stream
        return 1 / slope if slope > 0 else float("inf")

    @property
    def mb_per_subscriber(self) -> float:
        return _slope([s.subscribers for s in self.slope_steps],
                      [s.rss_mb for s in self.slope_steps])

    @property
    def full_rate(self) -> bool:
        return bool(self.steps) and all(step.full_rate for step in self.steps)

    def join_percentile(self, percent: int) -> float:
        return _percentile(self.joins_ms, percent)

    def connect_percentile(self, percent: int) -> float:
        return _percentile(self.connects_ms, percent)


def _percentile(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _slope(x: list[int], y: list[float]) -> float:
    if len(set(x)) < 2:
        return float("nan")
    return statistics.linear_regression(x, y).slope


def ratio(result: SystemResult, baseline: SystemResult) -> float:
    """CPU per stream of ``result`` over ``baseline``'s."""
    if not (result.measured and baseline.measured) or baseline.cores_per_stream <= 0:
        return float("nan")
    return result.cores_per_stream / baseline.cores_per_stream


@dataclass
class Goals:
    streams_per_core: bool | None  # None: Confera was not measured
    janus_ratio: bool | None


def goals(results: dict[str, SystemResult]) -> Goals:
    confera, janus = results.get("confera"), results.get("janus")
    if confera is None or not confera.measured:
        return Goals(None, None)
    per_core = confera.full_rate and confera.streams_per_core >= GOAL_STREAMS_PER_CORE
    janus_ratio = None if janus is None or not janus.measured else \
        ratio(confera, janus) <= GOAL_JANUS_RATIO
    return Goals(per_core, janus_ratio)


# --- console -----------------------------------------------------------------------------


def step_line(name: str, step: Step) -> str:
    return (f"  {name:8s} {step.subscribers:3d} subscribers: {step.cores:6.3f} cores, "
            f"{statistics.fmean(step.fps):5.1f} fps (min {min(step.fps):5.1f}), "
            f"loss {100 * statistics.fmean(step.loss):5.2f} % (max {100 * max(step.loss):5.2f} %)"
            f", {statistics.fmean(step.kbps):6.0f} kbit/s each, RSS {step.rss_mb:6.1f} MB, "
            f"clients {step.clients_cores:.2f} cores")


def _num(value: float, spec: str = ".4f") -> str:
    return "-" if value != value else format(value, spec)  # NaN: no figure


def _inverse(value: float) -> float:
    return 1 / value if value else float("nan")


def _baselines(results: dict[str, SystemResult], of: SystemResult) -> list[SystemResult]:
    return [results[n] for n in BASELINES if n in results and results[n] is not of]


def summary(results: dict[str, SystemResult], elapsed_s: float) -> str:
    """The console summary."""
    lines = [""]
    for r in results.values():
        if not r.measured:
            lines.append(f"  {r.name:8s} no figures: {_one_line(r.not_measured)}")
            continue
        lines.append(
            f"  {r.name:8s} {_num(r.cores_per_stream)} cores per stream "
            f"({_num(r.streams_per_core, '.0f')} streams per core), "
            f"{_num(r.mb_per_subscriber, '.2f')} MB RSS per subscriber, join -> first frame "
            f"p50 {_num(r.join_percentile(50), '.0f')} ms p95 {_num(r.join_percentile(95), '.0f')}"
            f" ms{'; ' + r.saturation if r.saturation else ''}")
        lines += [f"           CPU per stream {_num(ratio(r, b), '.2f')}x {b.name}'s, streams per "
                  f"core {_num(_inverse(ratio(r, b)), '.2f')}x"
                  for b in _baselines(results, r) if b.measured]
    g = goals(results)
    lines += [f"  goal {GOAL_PER_CORE_TEXT} (confera): {_met(g.streams_per_core, 'met')}",
              f"  goal {GOAL_JANUS_TEXT} (confera): {_met(g.janus_ratio, 'met')}",
              f"  ({elapsed_s:.0f}s in all)"]
    return "\n".join(lines)


def _met(ok: bool | None, met: str) -> str:
    return "not measured" if ok is None else (met if ok else f"NOT {met}")


def _one_line(text: str) -> str:
    """A reason for a table cell: its first line, and its last (a log's last words)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()] or ["?"]
    short = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
    return short.replace("|", "\\|")


# --- Markdown --------------------------------------------------------------------------


def _summary_rows(results: dict[str, SystemResult]) -> str:
    rows = []
    for r in results.values():
        if not r.measured:
            rows.append(f"| {r.name} | no figures: {_one_line(r.not_measured)} "
                        f"|{' |' * (6 + len(BASELINES))}")
            continue
        vs = " | ".join("-" if results.get(n) is r or n not in results
                        else f"{_num(ratio(r, results[n]), '.2f')}x" for n in BASELINES)
        top = r.steps[-1]
        rows.append(
            f"| {r.name} | {_num(r.cores_per_stream)} | {_num(r.streams_per_core, '.0f')} "
            f"| {vs} | {top.cores:.3f} at {top.subscribers} "
            f"| {min(min(s.fps) for s in r.steps):.1f} "
            f"| {100 * max(max(s.loss) for s in r.steps):.2f} "
            f"| {_num(r.mb_per_subscriber, '.2f')} "
            f"| {_num(r.join_percentile(50), '.0f')} / {_num(r.join_percentile(95), '.0f')} |")
    return "\n".join(rows)


def _step_rows(results: dict[str, SystemResult]) -> str:
    return "\n".join(
        f"| {r.name} | {s.subscribers} | {s.cores:.3f} | {s.cores / s.subscribers:.4f} "
        f"| {statistics.fmean(s.fps):.1f} / {min(s.fps):.1f} "
        f"| {100 * statistics.fmean(s.loss):.2f} / {100 * max(s.loss):.2f} "
        f"| {statistics.fmean(s.kbps):.0f} | {s.rss_mb:.1f} | {s.clients_cores:.2f} "
        f"| {s.publisher_fps:.1f} / {s.publisher_kbps:.0f} |"
        for r in results.values() for s in r.steps)


def _join_rows(results: dict[str, SystemResult]) -> str:
    return "\n".join(
        f"| {r.name} | {len(r.joins_ms)} | {r.join_failures} "
        f"| {_num(r.connect_percentile(50), '.0f')} / {_num(r.connect_percentile(95), '.0f')} "
        f"| {_num(r.join_percentile(50), '.0f')} / {_num(r.join_percentile(95), '.0f')} "
        f"| {', '.join(f'{ms:.0f}' for ms in sorted(r.joins_ms))} |"
        for r in results.values() if r.joins_ms or r.join_failures)


def _notes(results: dict[str, SystemResult]) -> str:
    notes = []
    for r in results.values():
        behind = [s for s in r.steps if not s.kept_up]
        if behind:
            notes.append(f"- {r.name}: did not keep up at "
                         f"{', '.join(str(s.subscribers) for s in behind)} subscribers (median "
                         f"{', '.join(f'{statistics.median(s.fps):.1f}' for s in behind)} fps)"
                         f"{', left out of its slopes' if behind != r.slope_steps else ''}.")
        if r.saturation:
            notes.append(f"- {r.name}: {r.saturation}.")
        if r.failed and r.measured:
            notes.append(f"- {r.name}: the run failed after these figures: {_one_line(r.failed)}")
    return "\n".join(notes) or (f"- Every measured system kept up ({TARGET_FPS} fps to the "
                                "median subscriber) at every count.")


def _goal_lines(results: dict[str, SystemResult]) -> str:
    g = goals(results)
    confera, janus = results.get("confera"), results.get("janus")
    if confera is None or not confera.measured:
        why = f"no figures ({_one_line(confera.not_measured)})" if confera else "not in this run"
        return (f"Goals of the issue, for Confera's node: {GOAL_PER_CORE_TEXT}; "
                f"{GOAL_JANUS_TEXT} — **not measured**: Confera's node {why}.")
    janus_ratio = _num(ratio(confera, janus), ".2f") if janus else "-"
    return (f"Goals of the issue, for Confera's node: {GOAL_PER_CORE_TEXT} — "
            f"**{_met(g.streams_per_core, 'met').lower()}** "
            f"({_num(confera.streams_per_core, '.0f')} streams per core"
            f"{'' if confera.full_rate else ', not every subscriber got 30 fps without loss'}); "
            f"{GOAL_JANUS_TEXT} — **{_met(g.janus_ratio, 'met').lower()}** ({janus_ratio}x).")


def markdown(results: dict[str, SystemResult], run: dict[str, Any]) -> str:
    args, m = run["args"], run["machine"]
    clip = next((r.publisher for r in results.values() if r.publisher), {})
    clip_kbps = _num(clip.get("clip_bitrate", float("nan")) / 1000, ".0f")
    systems = "\n".join(f"- **{r.name}**: {r.description}; {r.version}."
                        for r in results.values())
    clients = [s.clients_cores for r in results.values() for s in r.steps]
    return f"""# SFU benchmark: forwarding cost against Janus and a re-encoding relay

Written by `bench/sfu.py`; do not edit by hand, run it again.

- Command: `{args.command}` (that is `.venv/bin/python bench/sfu.py --systems \
{','.join(args.systems)} --counts {','.join(map(str, args.counts))} --window {args.window:g} \
--settle {args.settle:g} --joins {args.joins} --join-gap {args.join_gap:g} \
--client-processes {args.client_processes}`)
- Date: {run['date']}; {run['elapsed_s']:.0f} s in all
- Machine: {m['nproc']} CPUs (`nproc`), {m['cpu']} (/proc/cpuinfo), {m['memory']} RAM, \
Linux {m['kernel']}; load average {m['load']}
- Software: Python {m['python']}, aiortc {m['aiortc']}, aioice {m['aioice']}, PyAV {m['av']} \
(libvpx), aiohttp {m['aiohttp']}

## Settings

Systems, measured one after the other in the same run:

{systems}

- Publisher: one aiortc peer in a process of its own, sending a 640x480 VP8 clip at \
{TARGET_FPS} fps, video only. The clip (60 images of a moving gradient with a moving 192x144 \
block of noise, a 5 s loop starting with a key frame) is encoded once at start by libvpx \
with aiortc's encoder settings in CBR at 2 Mbit/s: {clip_kbps} kbit/s measured over the loop, \
key frame {clip.get('keyframe_bytes', '?')} bytes. No encoder runs while it sends (aiortc's \
sender only packetizes); a PLI or FIR restarts the loop at its key frame.
- Subscribers: aiortc peers spread over {args.client_processes} processes. Janus and \
Confera's node offer and the subscribers answer; relay subscribers offer. They do not \
decode: every RTP packet is counted in `RTCRtpReceiver._handle_rtp_packet`, frames by marker \
bits, loss by gaps in the sequence numbers (retransmissions are not counted as received), \
and aiortc's own receive path (jitter buffer, decoder, NACK, receiver reports) is skipped. \
The clients used at most {max(clients, default=0):.2f} cores together (per count below); \
that CPU is not the systems'.
- Each subscriber count: the new subscribers join \
({run['join_concurrency']} at a time), the bench waits until each \
has frames, then {args.settle:g} s more, then measures {args.window:g} s. CPU: utime + stime \
of the system's process tree from /proc/<pid>/stat over that window, in cores. RSS: VmRSS \
from /proc/<pid>/status at its end. A system whose median subscriber gets under \
{SATURATED_FPS:.0f} fps, or that uses nearly every core, gets no more subscribers.
- CPU per stream: the least-squares slope of cores over subscriber counts, over the counts \
where the median subscriber got {TARGET_FPS} fps (a saturated system's CPU cannot grow): the \
marginal cost of one more forwarded stream, without the fixed cost of receiving the \
publisher. Streams per core is its inverse; RSS per subscriber is the same slope for memory.
- Join -> first frame: {args.joins} joins after the ramp, with only the publisher \
connected, one at a time and {args.join_gap:g} s apart (every system limits how often it \
asks the publisher for a key frame; back-to-back joins would measure that limit). From the \
first signalling request to the first frame decoded by aiortc in the subscriber \
(time.monotonic(), one clock for every process); "connected" is aiortc's connectionState \
turning "connected" (ICE and DTLS done).
- ICE: the clients gather on one address only (aioice's `get_host_addresses` patched in the \
client processes) and use `RTCConfiguration(iceServers=[])`. Janus runs in a network \
namespace of its own joined by a veth pair (clients on 10.77.k.1, Janus on 10.77.k.2, its \
gathering enforced to that veth); relay and Confera on 127.0.0.1.

## Results

| system | CPU per stream (cores) | streams per core | \
{' | '.join(f'CPU per stream vs {b}' for b in BASELINES)} | cores at the most subscribers \
| min fps | max loss % | RSS MB per subscriber | join -> first frame p50 / p95 ms |
|---|---:|---:|{'---:|' * len(BASELINES)}---:|---:|---:|---:|---|
{_summary_rows(results)}

{_goal_lines(results)}

{_notes(results)}

### Every subscriber count

fps and loss: mean over the subscribers / the worst subscriber. kbit/s: the RTP payload each \
subscriber received, on average. Clients: CPU of the publisher and subscriber processes \
together. Publisher: frames per second and kbit/s it sent.

| system | subscribers | cores | cores per subscriber | fps mean / min \
| loss % mean / max | kbit/s | RSS MB | clients cores | publisher fps / kbit/s |
|---|---:|---:|---:|---|---|---:|---:|---:|---|
{_step_rows(results)}

### Joins

Join -> connected is signalling, ICE and DTLS; from there to the first frame is mostly the \
wait for a key frame (the system asks the publisher for one; the publisher answers with its \
next frame).

| system | joins | failed | join -> connected p50 / p95 ms \
| join -> first frame p50 / p95 ms | every join -> first frame, ms |
|---|---:|---:|---|---|---|
{_join_rows(results)}

## Caveats

- The machine has {m['nproc']} CPUs and is shared and noisy; the publisher, the \
subscribers and the bench run on it beside the system under test. CPU time is less disturbed \
by that than throughput, and every system meets the same machine in the same run: the \
ratios between them are the figures to watch, not the absolute ones.
- Janus's packets cross a veth pair, the others' the loopback interface; the kernel's share \
(softirq) is in no process's CPU figure.
- The relay re-encodes for every subscriber at the publisher's 2 Mbit/s (bench/relay_node.py \
raises aiortc's 1.5 Mbit/s cap); its rate control is aiortc's, so it does not send exactly \
the bytes the forwarders forward.
- One publisher, video only, no simulcast, no NACK from subscribers: audio, RTCP feedback \
and retransmissions of a real meeting are not in these figures.
"""
