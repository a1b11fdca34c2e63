"""Glass-to-glass latency: when each HLS segment appeared in storage and was
listed in the playlist, and which publisher frames it shows."""

from __future__ import annotations

import bisect
import os
import threading
import time
from collections import defaultdict
from pathlib import Path

import av

from bench.composite import counter
from bench.composite.report import RoomResult

POLL_SECONDS = 0.02
FPS = 30  # of the composed picture (EGRESS_FPS's default)
PLAYLIST = "live.m3u8"
# Half the publishers' clip (600 frames, 20 s): a frame shown later than this
# after its sending cannot be told from the one sent a loop earlier.
PLAUSIBLE_S = 10.0


class SegmentWatcher:
    """Polls an HLS output's folder: ``stored[n]`` is when ``<n>.ts`` was
    first seen, ``listed[n]`` when live.m3u8 first listed it (time.monotonic(),
    the clock the publishers log with). Storage renames finished files into
    place, so a file seen is a file complete."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.stored: dict[int, float] = {}
        self.listed: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="segment watcher", daemon=True)
        self._playlist_mtime = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            now = time.monotonic()
            try:
                names = os.listdir(self.folder)
            except FileNotFoundError:
                continue
            for name in names:
                stem, _, ext = name.partition(".")
                if ext == "ts" and stem.isdigit():
                    self.stored.setdefault(int(stem), now)
            self._read_playlist(now)

    def _read_playlist(self, now: float) -> None:
        path = self.folder / PLAYLIST
        try:
            mtime = path.stat().st_mtime_ns
            if mtime == self._playlist_mtime:
                return
            self._playlist_mtime = mtime
            lines = path.read_text().splitlines()
        except FileNotFoundError:
            return
        for line in lines:
            stem, _, ext = line.strip().partition(".")
            if ext == "ts" and stem.isdigit():
                self.listed.setdefault(int(stem), now)


def read_sent(log: Path) -> dict[tuple[int, int], list[float]]:
    """When each publisher sent each frame index (sorted)."""
    sent: dict[tuple[int, int], list[float]] = defaultdict(list)
    for line in log.read_text().splitlines():
        publisher, index, at = line.split()
        sent[(int(publisher), int(index))].append(float(at))
    for times in sent.values():
        times.sort()
    return sent


def sending(times: list[float], after: float, before: float) -> float | None:
    """Which sending of a frame a picture shows. A key frame request restarts a
    clip, so an index is sent again and again: of the sendings in the last
    PLAUSIBLE_S before the segment showing it was stored, the first at or after
    the latest one shown of that publisher (pictures follow the order frames
    were sent in), else the last."""
    earliest = bisect.bisect_left(times, before - PLAUSIBLE_S)
    position = bisect.bisect_left(times, after, lo=earliest)
    if position < len(times) and times[position] <= before:
        return times[position]
    position = bisect.bisect_right(times, before)
    return times[position - 1] if position > earliest else None


def frame_latencies(watcher: SegmentWatcher, sent_log: Path, window: tuple[float, float],
                    publishers: int, result: RoomResult) -> None:
    """Every publisher frame shown in a segment stored within ``window``, timed
    from its sending to that segment's appearance (the first segment showing
    that sending of that frame); into ``result``. Earlier segments are read
    too: they tell which sendings were shown already."""
    sent = read_sent(sent_log)
    seen: set[tuple[int, int, float]] = set()
    latest = [0.0] * publishers  # each publisher's latest sending shown so far
    for number in sorted(watcher.stored):
        stored = watcher.stored[number]
        if stored > window[1]:
            break
        counted = stored >= window[0]
        listed = watcher.listed.get(number)
        shown: dict[int, set[float]] = defaultdict(set)
        times: list[float] = []  # the segment's pictures, seconds
        with av.open(str(watcher.folder / f"{number}.ts")) as container:
            for frame in container.decode(video=0):
                times.append(float(frame.time) if frame.time is not None else 0.0)
                tiles = counter.read_tiles(frame.to_ndarray()[:frame.height], publishers)
                result.unread_tiles += (publishers - len(tiles)) * counted
                for publisher, index in tiles:
                    at = sending(sent.get((publisher, index), []), latest[publisher], stored)
                    if at is None:
                        result.unmatched += counted
                        continue
                    latest[publisher] = max(latest[publisher], at)
                    shown[publisher].add(at)
                    if (publisher, index, at) in seen:
                        continue
                    seen.add((publisher, index, at))
                    if counted:
                        result.stored_latency.append(stored - at)
                        if listed is not None:
                            result.listed_latency.append(listed - at)
        if counted and times:
            result.segments += 1
            seconds = times[-1] - times[0] + 1 / FPS
            result.output_fps.append(len(times) / seconds)
            result.tile_fps += [len(shown[p]) / seconds for p in range(publishers)]
