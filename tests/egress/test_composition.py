"""Layers and playbacks in a real egress: images it fetches from a server on
loopback drawn over and under the tiles, a text insert, a video file played
in place of a participant's camera; each checked on the pixels of a snapshot
of the composed picture."""

from __future__ import annotations

import functools
import http.server
import pathlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import av
import m3u8
import numpy as np
import pytest
from PIL import Image

from app.protocol.egress_api import (
    ClearLayer,
    LayerSpec,
    Layout,
    LayoutSpec,
    OutputKind,
    OutputSpec,
    OutputState,
    PlaybackSpec,
    SetLayer,
    SetLayout,
    StartPlayback,
    StopOutput,
    StopPlayback,
)
from app.protocol.messages import Message
from tests.egress.conftest import EgressProcess, Meeting, output
from tests.egress.fake_web import FakeEgressWeb, command

WIDTH, HEIGHT = 1280, 720
GREEN, YELLOW = (0, 255, 0), (255, 255, 0)


@dataclass
class Composing:
    egress: EgressProcess
    web: FakeEgressWeb
    meeting: Meeting
    files: str  # base URL of the loopback file server
    live: OutputSpec  # the HLS output that keeps the room open

    def latest_segment(self) -> pathlib.Path:
        folder = self.egress.storage / self.live.storage_prefix
        return folder / m3u8.load(str(folder / "live.m3u8")).segments[-1].uri

    def send(self, message: Message) -> int:
        return command(self.egress.control_url, message).status_code

    def snapshot(self) -> np.ndarray:
        """The composed picture now, as RGB."""
        spec = output(OutputKind.SNAPSHOT)
        assert self.meeting.start(self.egress, spec, width=WIDTH, height=HEIGHT).status_code == 200
        self.web.wait_state(spec.output_id, OutputState.STOPPED, timeout=15)
        path = self.egress.storage / (spec.storage_prefix + ".jpg")
        with av.open(str(path)) as jpeg:
            return next(jpeg.decode(video=0)).to_ndarray(format="rgb24")


def _files(folder: pathlib.Path) -> None:
    overlay = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    overlay.paste((*GREEN, 255), (0, 0, 200, 200))  # a green square, the rest transparent
    overlay.save(folder / "overlay.png")
    Image.new("RGB", (640, 360), YELLOW).save(folder / "background.png")
    (folder / "not-an-image.png").write_bytes(b"hello")
    with av.open(str(folder / "green.mp4"), "w") as container:
        stream = container.add_stream("libx264", rate=15)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        picture = np.zeros((240, 320, 3), np.uint8)
        picture[...] = GREEN
        for _ in range(30):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        container.mux(stream.encode(None))
    _tone_file(folder / "tone.mp4")


def _tone_file(path: pathlib.Path) -> None:
    """Two seconds of green with a 1 kHz tone."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=15)
        video.width, video.height, video.pix_fmt = 320, 240, "yuv420p"
        audio = container.add_stream("aac", rate=48_000)
        picture = np.zeros((240, 320, 3), np.uint8)
        picture[...] = GREEN
        for index in range(30):
            container.mux(video.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
            for part in range(3):  # 3 x 1024 samples a picture (about 64 ms, for 66.7 ms)
                start = (index * 3 + part) * 1024
                tone = 0.5 * np.sin(2 * np.pi * 1000 * (start + np.arange(1024)) / 48_000)
                frame = av.AudioFrame.from_ndarray(tone.astype(np.float32).reshape(1, -1),
                                                   format="fltp", layout="mono")
                frame.sample_rate, frame.pts = 48_000, start
                container.mux(audio.encode(frame))
        container.mux(video.encode(None))
        container.mux(audio.encode(None))


@pytest.fixture(scope="module")
def composing(tmp_path_factory: pytest.TempPathFactory, fake_web: FakeEgressWeb,
              meeting: Meeting) -> Iterator[Composing]:
    folder = tmp_path_factory.mktemp("files")
    _files(folder)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    egress = EgressProcess(fake_web, tmp_path_factory.mktemp("storage"))
    live = output(OutputKind.HLS)  # keeps the room open between snapshots
    try:
        assert meeting.start(egress, live, width=WIDTH, height=HEIGHT).status_code == 200
        fake_web.wait_state(live.output_id, OutputState.LIVE, timeout=15)
        yield Composing(egress, fake_web, meeting, f"http://127.0.0.1:{server.server_port}",
                        live)
        command(egress.control_url, StopOutput(session_id=meeting.session_id,
                                               output_id=live.output_id))
    finally:
        egress.stop()
        server.shutdown()


def share(picture: np.ndarray, colour: tuple[int, int, int]) -> float:
    """The share of the picture within 60 of ``colour`` in every channel."""
    return float(np.mean(np.all(np.abs(picture.astype(int) - colour) < 60, axis=-1)))


def test_an_image_layer_is_drawn_over_and_a_background_under_the_tiles(
        composing: Composing) -> None:
    session = composing.meeting.session_id
    assert composing.send(SetLayer(session_id=session, layer=LayerSpec(
        z_index=1, image_url=composing.files + "/overlay.png"))) == 200
    assert composing.send(SetLayer(session_id=session, layer=LayerSpec(
        z_index=-1, image_url=composing.files + "/background.png"))) == 200
    picture = composing.snapshot()
    assert share(picture[20:180, 20:180], GREEN) > 0.95  # over Ann's red tile's corner
    # Two 640x480 tiles leave bands of 120 px above and below: the background.
    assert share(picture[0:100, 700:1260], YELLOW) > 0.95
    assert share(picture[200:500, 300:600], (255, 0, 0)) > 0.9  # Ann, under no layer


def test_a_text_insert_replaces_the_foreground_and_clearing_removes_it(
        composing: Composing) -> None:
    session = composing.meeting.session_id
    assert composing.send(SetLayer(session_id=session, layer=LayerSpec(
        z_index=1, title="Breaking", content="The insert's content, drawn by the egress"))) \
        == 200
    picture = composing.snapshot()
    assert share(picture[20:180, 20:180], GREEN) < 0.01  # the image layer is gone
    box = picture[560:640, 60:500]  # inside the dark box, lower left, over Ann's tile
    assert share(box, (255, 0, 0)) < 0.05 and np.mean(box) < 90  # the box
    assert np.mean(np.all(box > 180, axis=-1)) > 0.01  # and its white letters

    assert composing.send(ClearLayer(session_id=session, z_index=1)) == 200
    assert composing.send(ClearLayer(session_id=session, z_index=-1)) == 200
    picture = composing.snapshot()
    assert share(picture[560:595, 60:500], (255, 0, 0)) > 0.9  # Ann's tile again
    assert share(picture[0:100, 700:1260], YELLOW) < 0.01


def test_a_layout_with_positions_shows_the_listed_participant_there_only(
        composing: Composing) -> None:
    session, bob = composing.meeting.session_id, composing.meeting.participants["Bob Blue"]
    assert composing.send(SetLayout(session_id=session, layout=Layout.GRID, arrangement=LayoutSpec(
        users=[bob, ""], fill=False, boxes=[[0, 0, 320, 240], [640, 360, 640, 360]]))) == 200
    picture = composing.snapshot()
    assert share(picture[20:220, 20:300], (0, 0, 255)) > 0.9  # Bob's 320x240 at the corner
    assert share(picture, (0, 0, 255)) == pytest.approx(320 * 240 / (WIDTH * HEIGHT), abs=0.02)
    assert share(picture, (255, 0, 0)) < 0.01  # Ann is not listed (custom)
    assert composing.send(SetLayout(session_id=session, layout=Layout.GRID)) == 200


def test_a_layer_whose_image_cannot_be_used_is_refused(composing: Composing) -> None:
    session = composing.meeting.session_id
    for url in (composing.files + "/not-an-image.png", composing.files + "/missing.png"):
        answer = command(composing.egress.control_url, SetLayer(
            session_id=session, layer=LayerSpec(z_index=1, image_url=url)))
        assert answer.status_code == 422 and answer.json()["ok"] is False


def test_a_playback_replaces_a_participants_camera_until_stopped(
        composing: Composing) -> None:
    session, ann = composing.meeting.session_id, composing.meeting.participants["Ann Red"]
    assert composing.send(StartPlayback(session_id=session, playback=PlaybackSpec(
        play_id="clip", url=composing.files + "/green.mp4", replacement_id=ann,
        loop_count=-1))) == 200
    time.sleep(1.0)  # its first pictures
    picture = composing.snapshot()
    assert share(picture, GREEN) == pytest.approx(1 / 3, abs=0.05)  # Ann's tile, 640x480
    assert share(picture, (255, 0, 0)) < 0.01

    assert composing.send(StopPlayback(session_id=session, play_id="clip")) == 200
    assert composing.send(StopPlayback(session_id=session, play_id="clip")) == 200  # again
    picture = composing.snapshot()
    assert share(picture, GREEN) < 0.01 and share(picture, (255, 0, 0)) > 0.25


def test_a_playback_without_a_replacement_gets_a_tile_of_its_own(composing: Composing) -> None:
    session = composing.meeting.session_id
    assert composing.send(StartPlayback(session_id=session, playback=PlaybackSpec(
        play_id="once", url=composing.files + "/green.mp4", name="Clip"))) == 200
    time.sleep(0.5)
    picture = composing.snapshot()
    # Three tiles now (a 2x2 grid, 320x240 frames in 640x360 cells scaled to 480x360).
    assert share(picture, GREEN) > 0.1 and share(picture, (255, 0, 0)) > 0.1
    time.sleep(2.0)  # two seconds of file, played once: its tile goes
    picture = composing.snapshot()
    assert share(picture, GREEN) < 0.01
    answer = command(composing.egress.control_url, StartPlayback(
        session_id=session, playback=PlaybackSpec(play_id="x", url=composing.files + "/no.mp4")))
    assert answer.status_code == 422


def tone_level(segment: pathlib.Path, frequency: float) -> float:
    """How much of the segment's sound is at ``frequency`` (share of the power
    within 20 Hz of it)."""
    with av.open(str(segment)) as container:
        samples = np.concatenate([f.to_ndarray()[0] for f in  # AAC: planar, the left
                                  container.decode(audio=0)]).astype(float)
    power = np.abs(np.fft.rfft(samples)) ** 2
    hertz = np.fft.rfftfreq(len(samples), 1 / 48_000)
    return float(power[np.abs(hertz - frequency) < 20].sum() / power.sum())


def test_a_playback_with_audio_is_heard_in_the_output(composing: Composing) -> None:
    session = composing.meeting.session_id
    assert tone_level(composing.latest_segment(), 1000) < 0.01  # the publishers' 440 Hz only
    assert composing.send(StartPlayback(session_id=session, playback=PlaybackSpec(
        play_id="tone", url=composing.files + "/tone.mp4", name="Tone", audio=True,
        loop_count=-1))) == 200
    time.sleep(5.0)  # a whole 2 s segment with it
    assert tone_level(composing.latest_segment(), 1000) > 0.1
    assert composing.send(StopPlayback(session_id=session, play_id="tone")) == 200
