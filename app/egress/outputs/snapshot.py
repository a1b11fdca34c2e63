"""A snapshot: one JPEG of the composed picture at ``<prefix>.jpg``. It takes
the first picture that shows someone's video (or, when nobody publishes
video, the picture after ``WAIT_SECONDS``) and then finishes by itself."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass

import av

from app.egress.outputs import EncodedStreams, StoredOutput
from app.protocol.egress_api import OutputState

WAIT_SECONDS = 3.0
JPEG_QUALITY = 85


@dataclass
class SnapshotOutput(StoredOutput):
    wants_pictures: bool = True
    _opened_at: float = 0.0
    _taken: bool = False

    @property
    def key(self) -> str:
        return self.spec.storage_prefix.rstrip("/") + ".jpg"

    def open(self, streams: EncodedStreams) -> None:
        super().open(streams)
        self._opened_at = time.monotonic()

    def packet(self, packet: av.Packet, video: bool) -> None:
        pass

    def picture(self, frame: av.VideoFrame, videos: int = 0) -> None:
        """``videos``: how many tiles of this picture show a participant's video."""
        if self._taken or (videos == 0 and time.monotonic() - self._opened_at < WAIT_SECONDS):
            return
        assert self._uploader is not None
        jpeg = io.BytesIO()
        frame.to_image().save(jpeg, format="JPEG", quality=JPEG_QUALITY)
        self._taken = self.done = True
        details: dict[str, str | int | float] = {"key": self.key, "width": frame.width,
                                                 "height": frame.height}
        self._uploader.put(self.key, jpeg.getvalue(), "image/jpeg",
                           then=lambda: self.report(OutputState.STOPPED, "", details))

    def finish(self) -> None:
        assert self._uploader is not None
        if not self._taken:
            self.report(OutputState.FAILED, "stopped before a picture was composed", {})
        self._uploader.close(wait=False)
