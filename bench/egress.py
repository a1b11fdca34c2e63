"""Benchmark: what one room costs the egress, and how late its live stream is
(``make bench``).

One session on Confera's media node with 4 publishers (aiortc, 640x480 VP8
at 30 fps and a tone each, bench/composite/publishers.py); one ``confera
egress`` joins it and composes 1280x720 at 30 fps (GRID, name labels) into
HLS and the MP4 recording at once. Measured:

- the egress process's CPU (utime + stime from /proc over a window), against
  a baseline in the same command: the egress's own encode, HLS and recording
  of ready-made 1280x720 pictures with no WebRTC, decoding or composing
  (bench/composite/baseline.py). The machine is noisy; the ratio is the
  figure to watch.
- glass-to-glass latency: every publisher's frames carry its number and
  their index in the pixels (bench/composite/counter.py); each frame found in
  an HLS segment is timed from the moment the publisher handed it to aiortc
  to the moment that segment appeared in storage (and was listed in the
  playlist, as a player sees it).

Each x264 preset asked for (by default the egress's own, then ultrafast) is
measured in rounds (two by default): baseline, then room. Goals of the issue: <= 0.6 core per room,
<= 6 s latency. Writes
bench/RESULTS-egress.md and links it from bench/RESULTS.md (which
bench/api.py rewrites).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on sys.path, the repo is not
    sys.path.insert(0, str(ROOT))

from app.egress.config import EgressSettings  # noqa: E402
from bench.composite.report import (  # noqa: E402
    Measured,
    markdown,
    verdicts,
)
from bench.composite.room import measure_baseline, measure_room  # noqa: E402
from bench.results_index import link_from_index  # noqa: E402
from bench.sfu import machine  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS-egress.md"
API_RESULTS = ROOT / "bench" / "RESULTS.md"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--window", type=float, default=30, help="seconds of CPU measured")
    parser.add_argument("--settle", type=float, default=5,
                        help="seconds between the stream going live and the window")
    parser.add_argument("--presets", type=lambda s: s.split(","), default=None,
                        help="x264 presets to measure, comma-separated (default: the egress's "
                        "EGRESS_X264_PRESET default, then ultrafast)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="rounds of every preset (the machine is noisy)")
    parser.add_argument("--publishers", type=int, default=4, choices=range(1, 5))
    parser.add_argument("--bitrate", type=int, default=1_500_000,
                        help="each publisher's VP8 clip, bits per second")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="Markdown file to write (default: bench/RESULTS-egress.md)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--keep-logs", action="store_true",
                        help="keep the processes' logs and storage (kept anyway on failure)")
    parser.add_argument("--command", default="make bench",
                        help="the command to cite in the results file")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.presets is None:
        args.presets = list(dict.fromkeys([EgressSettings.x264_preset, "ultrafast"]))
    started = time.monotonic()
    info = machine()
    work = Path(tempfile.mkdtemp(prefix=f"confera_bench_egress_{os.getpid()}_"))
    measured: list[Measured] = []
    try:
        for round_ in range(1, args.rounds + 1):
            for preset in args.presets:
                here = work / f"{preset}-{round_}"
                print(f"{preset} round {round_}: baseline, {args.window:.0f} s ...", flush=True)
                baseline = measure_baseline(args, preset, here / "baseline")
                print(f"{preset} round {round_}: the room of {args.publishers} ...", flush=True)
                room = measure_room(args, preset, here / "room")
                measured.append(Measured(preset, round_, baseline, room))
                print(measured[-1].summary(), flush=True)
    finally:
        if args.keep_logs or len(measured) < len(args.presets) * args.rounds:
            print(f"logs in {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    run = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": info,
           "args": args, "elapsed_s": time.monotonic() - started}
    for preset in args.presets:
        print(f"{preset}: {verdicts([m for m in measured if m.preset == preset])}")
    if not args.no_write:
        args.results.write_text(markdown(measured, run))
        if args.results.resolve() == RESULTS:
            link_from_index(args.results, "Egress (one room's composite, HLS and recording)",
                            "written by `bench/egress.py` (`make bench` runs it after "
                            "`bench/join.py`).", API_RESULTS)
        print(f"  written to {args.results}")
    failed = [f"{m.preset}: {m.room.failed}" for m in measured if m.room.failed]
    if failed:
        raise SystemExit(f"bench/egress.py: {'; '.join(failed)}")


if __name__ == "__main__":
    main()
