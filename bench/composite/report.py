"""The figures of ``bench/egress.py`` and the Markdown it writes."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

GOAL_CORES = 0.6
GOAL_LATENCY_S = 6.0
KEPT_UP_FPS = 29.0


@dataclass
class Baseline:
    cores: float
    seconds: float
    rss_mb: float


@dataclass
class RoomResult:
    publishers: int
    seconds: float = 0.0
    cores: dict[str, float] = field(default_factory=dict)  # egress, node, publishers
    rss_mb: float = 0.0
    segments: int = 0  # HLS segments stored within the window, decoded
    chunks: int = 0  # recording chunks stored
    stored_latency: list[float] = field(default_factory=list)  # seconds, per frame
    listed_latency: list[float] = field(default_factory=list)
    tile_fps: list[float] = field(default_factory=list)  # per segment and publisher
    output_fps: list[float] = field(default_factory=list)  # pictures per second, per segment
    unread_tiles: int = 0  # tiles of output pictures whose counter did not read clearly
    unmatched: int = 0  # counters read that no publisher had sent yet
    failed: str = ""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)] if ordered else float("nan")


def _goal(met: bool) -> str:
    return "**met**" if met else "**missed**"


@dataclass
class Measured:
    """One round of one preset: its baseline, then its room."""

    preset: str
    round: int
    baseline: Baseline
    room: RoomResult

    @property
    def egress(self) -> float:
        return self.room.cores.get("egress", float("nan"))

    @property
    def ratio(self) -> float:
        return self.egress / self.baseline.cores

    @property
    def pictures(self) -> float:
        """Pictures per second in the output, mean over the window's segments."""
        return statistics.mean(self.room.output_fps) if self.room.output_fps else float("nan")

    @property
    def kept_up(self) -> bool:
        return min(self.room.output_fps or [0.0]) >= KEPT_UP_FPS

    @property
    def at_full_rate(self) -> float:
        """Cores scaled to 30 pictures a second: an egress that fell behind decoded and
        composed fewer pictures too (an estimate: cost taken as proportional)."""
        return self.egress * 30 / self.pictures

    def summary(self) -> str:
        room = self.room
        return "\n".join([
            f"{self.preset} round {self.round}: baseline {self.baseline.cores:.3f} cores; egress "
            f"{self.egress:.3f} cores ({self.ratio:.2f}x) at {self.pictures:.1f} pictures/s "
            f"(min {min(room.output_fps or [0]):.1f}; scaled to 30: {self.at_full_rate:.3f})",
            f"  latency to the playlist p50/p95/max: {percentile(room.listed_latency, 0.5):.2f} / "
            f"{percentile(room.listed_latency, 0.95):.2f} / "
            f"{max(room.listed_latency or [float('nan')]):.2f} s "
            f"({len(room.listed_latency)} frames, {room.segments} segments)"])


def verdicts(rounds: list[Measured]) -> str:
    """The goals for one preset, over its rounds: cores from the rounds where the
    egress kept up (median), else scaled to 30 pictures/s; latency from every frame."""
    kept = [m.egress for m in rounds if m.kept_up]
    if kept:
        cores = statistics.median(kept)
        how = f"median of the {len(kept)} round(s) that kept up"
    else:
        cores = statistics.median(m.at_full_rate for m in rounds)
        how = "no round kept up: scaled to 30 pictures/s, an estimate"
    latency = percentile([x for m in rounds for x in m.room.listed_latency], 0.95)
    return (f"<= {GOAL_CORES} core per room: {_goal(cores <= GOAL_CORES)} ({cores:.2f} cores, "
            f"{how}); <= {GOAL_LATENCY_S:.0f} s glass to glass: "
            f"{_goal(latency <= GOAL_LATENCY_S)} (p95 {latency:.2f} s to the playlist)")


def _latency_cells(values: list[float]) -> str:
    if not values:
        return "- | - | - | -"
    return (f"{percentile(values, 0.5):.2f} | {percentile(values, 0.95):.2f} | "
            f"{max(values):.2f} | {len(values)}")


def _rows(measured: list[Measured]) -> str:
    cores, latency, output = [], [], []
    for m in measured:
        room = m.room
        name = f"{m.preset} | {m.round}"
        cores.append(
            f"| {name} | {m.baseline.cores:.3f} | {m.egress:.3f} | **{m.ratio:.2f}x** | "
            f"{m.pictures:.1f} | {m.at_full_rate:.3f} | {m.egress - m.baseline.cores:.3f} | "
            f"{room.cores.get('node', float('nan')):.3f} | "
            f"{room.cores.get('publishers', float('nan')):.3f} | {m.baseline.rss_mb:.0f} / "
            f"{room.rss_mb:.0f} |")
        latency.append(f"| {name} | {_latency_cells(room.stored_latency)} | "
                       f"{_latency_cells(room.listed_latency)} |")
        pictures, fps = room.output_fps or [float("nan")], room.tile_fps or [float("nan")]
        output.append(
            f"| {name} | {room.segments} | {statistics.mean(pictures):.1f} / "
            f"{min(pictures):.1f} | {statistics.mean(fps):.1f} / {min(fps):.1f} | "
            f"{room.chunks} | {room.unread_tiles} | {room.unmatched} |")
    return f"""Each round: the baseline, then the room. Egress pictures/s: in the HLS output, mean \
over the window's segments (30 when it keeps up); scaled to 30: its cores times 30 over that (an \
egress that falls behind also decodes and composes less; an estimate).

| x264 preset | round | baseline cores | egress cores | egress / baseline | egress pictures/s \
| egress cores scaled to 30 pictures/s | egress - baseline | media node cores \
| publishers' cores | RSS MB baseline / egress |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
{chr(10).join(cores)}

Glass-to-glass latency in seconds, over every publisher frame found in the output, from its \
sending to the segment showing it first being stored, and being listed in `live.m3u8`:

| x264 preset | round | stored p50 | p95 | max | frames | listed p50 | p95 | max | frames |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
{chr(10).join(latency)}

The output: HLS segments decoded (those stored in the window); pictures per second in them \
(30 when the egress keeps up) and each publisher's frames shown per second, mean / min over the \
segments; recording chunks stored; tiles whose counter did not read clearly; counters read that \
no publisher had sent:

| x264 preset | round | segments | pictures/s | publisher fps | chunks | unread tiles | unmatched |
|---|---:|---:|---|---|---:|---:|---:|
{chr(10).join(output)}
"""


def markdown(measured: list[Measured], run: dict[str, Any]) -> str:
    args, info = run["args"], run["machine"]
    presets = list(dict.fromkeys(m.preset for m in measured))
    goals = "\n".join(f"- {preset}: {verdicts([m for m in measured if m.preset == preset])}"
                      for preset in presets)
    return f"""# Egress benchmark: one room's CPU and its live stream's latency

Written by `bench/egress.py`; do not edit by hand, run it again.

- Command: `{args.command}` (that is `.venv/bin/python bench/egress.py --presets \
{",".join(args.presets)} --rounds {args.rounds} --window {args.window:g} --settle \
{args.settle:g} --publishers {args.publishers} --bitrate {args.bitrate}`)
- Date: {run["date"]}; {run["elapsed_s"]:.0f} s in all
- Machine: {info["nproc"]} CPUs (`nproc`), {info["cpu"]} (/proc/cpuinfo), {info["memory"]} RAM, \
Linux {info["kernel"]}; load average {info["load"]}
- Software: Python {info["python"]}, aiortc {info["aiortc"]}, PyAV {info["av"]} (libx264, libvpx)

## Settings

- **Room**: Confera's media node (`python -m app.cli sfu`, SFU_ICE_ADDRESSES=127.0.0.1), one \
session, {args.publishers} publishers in one process of their own (aiortc): each sends a \
640x480 VP8 clip at 30 fps, {args.bitrate // 1000} kbit/s, encoded once at start (no encoder \
runs while it sends: bench/forwarding's moving gradient and noise, 600 frames in a loop, with \
its number, each frame's index and a check as 16 squares along its top edge), and a 400 Hz tone \
(Opus). One `confera egress` (EGRESS_X264_PRESET as in each row, the default 2.5 Mbit/s, a key \
frame every 2 s) joins as the hidden recorder, decodes every camera and microphone, composes \
GRID 1280x720 at 30 fps with name labels, mixes the sound, encodes once and writes HLS (2 s \
segments) and the recording (fragmented MP4 chunks) to a local storage folder. A stand-in for \
the web (tests/egress/fake_web.py) takes its heartbeats and events.
- **Baseline**: the egress's own Encoder, HLS and recording outputs and storage writes on the \
media loop's clock, fed ready-made 1280x720 pictures (60, composed once at start by the \
egress's Compositor from the same clip images, labels included) and the mixer's silence: no \
WebRTC, no decoding, no composing (bench/composite/baseline.py). Measured alone, before the \
room of the same preset, in each round.
- **CPU**: utime + stime of the process from /proc/<pid>/stat over a {args.window:g} s window \
starting {args.settle:g} s after the stream went live (the baseline: after it started), in \
cores. The room's other processes are measured over the same window, for context.
- **Latency**: every output picture's tiles are read back from the HLS segments (each square's \
middle, clear white or black only, the check must hold); a frame is timed from the moment its \
publisher handed it to aiortc's sender (time.monotonic(), one clock for every process) to the \
moment the first segment showing it appeared in the storage folder, and to the moment \
`live.m3u8` first listed that segment (what a player waits for); both polled every 20 ms. \
Segments stored within the CPU window are counted. A key frame request restarts a clip at \
its first frame, so an index is sent again and again: a picture shows the first sending, in the \
last 10 s before its segment was stored, at or after the latest one of that publisher shown \
before (pictures follow the order frames were sent in); a frame older than 10 s cannot be told \
from the one sent a loop earlier, and counts as unmatched.

## Results

{_rows(measured)}
Goals of the issue, per preset over its rounds (cores: the median of the rounds where the \
egress kept up, >= {KEPT_UP_FPS:g} pictures/s in every segment, else scaled to 30 pictures/s; \
latency: p95 to the playlist over every frame):

{goals}

## Caveats

- The machine has 2 CPUs and is shared and noisy; the publishers and the media node run beside \
the egress. CPU time is less disturbed by that than throughput, and the baseline meets the same \
machine in the same command: the ratio is the figure to watch. An egress that cannot keep up \
(fewer than 30 pictures a second) does less work than its room asks, and its CPU figure is \
then too low.
- A frame waits in the egress for the segment it falls in to close (2 s segments cut at key \
frames): the latency of a segment's first frame is about 2 s more than its last's; p50 is near \
the middle. A player adds its own buffer (hls.js starts about three segments from the live \
edge) on top of the "listed" figure.
- The publishers send a looping clip without FEC or simulcast, restarting it from its key frame \
when asked for one; a real camera's picture and a browser's bitrate adaptation change what \
decoding costs.
"""


