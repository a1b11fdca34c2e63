"""Composes one picture from the participants' latest video frames: the
layout's boxes, each frame scaled into its box (PyAV's reformat, swscale),
a name label per tile, the initials where a participant shows no video.
Runs in the room's media thread, on yuv420p planes held as numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass

import av
import numpy as np
from numpy.typing import NDArray

from app.egress import labels
from app.egress.layouts import Box, boxes, clip, fit
from app.egress.overlays import Overlay, blend
from app.protocol.egress_api import Layout, LayoutSpec

BLACK_Y, NEUTRAL_UV = 16, 128
LABEL_FRACTION = 12  # a label is 1/12 of its tile's height (at least 16 px)

Plane = NDArray[np.uint8]


@dataclass
class Tile:
    """One thing to show: a participant's camera or screen, or their initials."""

    participant_id: str
    name: str
    screen: bool = False
    frame: av.VideoFrame | None = None


class Compositor:
    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self._buffer: Plane = np.empty((height * 3 // 2, width), np.uint8)
        quarter = height // 4
        self._y = self._buffer[:height]
        self._u = self._buffer[height:height + quarter].reshape(height // 2, width // 2)
        self._v = self._buffer[height + quarter:].reshape(height // 2, width // 2)

    def compose(self, tiles: list[Tile], layout: Layout, focus: str = "",
                arrangement: LayoutSpec | None = None,
                overlays: dict[int, Overlay] | None = None) -> tuple[av.VideoFrame, int]:
        """The picture, and how many of its tiles show video. ``overlays``
        by z-index: below 0 under the tiles, above 0 over them."""
        self._y.fill(BLACK_Y)
        self._u.fill(NEUTRAL_UV)
        self._v.fill(NEUTRAL_UV)
        layers = sorted((overlays or {}).items())
        for _, overlay in (item for item in layers if item[0] < 0):
            blend(overlay, self._y, self._u, self._v)
        arrangement = arrangement or LayoutSpec()
        placed = place(tiles, layout, focus, arrangement)
        shown = 0
        for tile, box in zip(placed, self._boxes(layout, len(placed), arrangement),
                             strict=True):
            if tile is None:
                continue  # a spot kept free: the background shows
            if tile.frame is not None:
                self._paint_frame(tile.frame, box)
                shown += 1
            else:
                self._paint_luma(labels.initials(tile.name, box.width, box.height), box.x,
                                 box.y)
            if not tile.screen and arrangement.show_names:
                self._paint_label(tile.name, box)
        for _, overlay in (item for item in layers if item[0] > 0):
            blend(overlay, self._y, self._u, self._v)
        return av.VideoFrame.from_ndarray(self._buffer, format="yuv420p"), shown

    def _boxes(self, layout: Layout, count: int, arrangement: LayoutSpec) -> list[Box]:
        """The layout's boxes, or the arrangement's own (clipped to the picture)."""
        if not arrangement.boxes:
            return boxes(layout, count, self.width, self.height)
        return [clip(Box(*box[:4]), self.width, self.height) for box in arrangement.boxes][:count]

    def _paint_frame(self, frame: av.VideoFrame, box: Box) -> None:
        inner = fit(frame.width, frame.height, box)
        scaled = frame.reformat(width=inner.width, height=inner.height, format="yuv420p")
        data = scaled.to_ndarray()
        h, w = inner.height, inner.width
        self._y[inner.y:inner.y + h, inner.x:inner.x + w] = data[:h]
        quarter = h // 4
        cy, cx = inner.y // 2, inner.x // 2
        self._u[cy:cy + h // 2, cx:cx + w // 2] = data[h:h + quarter].reshape(h // 2, w // 2)
        self._v[cy:cy + h // 2, cx:cx + w // 2] = data[h + quarter:].reshape(h // 2, w // 2)

    def _paint_label(self, name: str, box: Box) -> None:
        height = max(box.height // LABEL_FRACTION, 16)
        if height * 2 > box.height:
            return
        image = labels.label(name, height, box.width)
        self._paint_luma(image, box.x, box.y + box.height - image.height)

    def _paint_luma(self, image: labels.Image.Image, x: int, y: int) -> None:
        """A grey image at (x, y): its luma over the picture, chroma neutral."""
        w, h = image.size
        self._y[y:y + h, x:x + w] = np.asarray(image)
        self._u[y // 2:(y + h) // 2, x // 2:(x + w) // 2] = NEUTRAL_UV
        self._v[y // 2:(y + h) // 2, x // 2:(x + w) // 2] = NEUTRAL_UV


def place(tiles: list[Tile], layout: Layout, focus: str,
          arrangement: LayoutSpec) -> list[Tile | None]:
    """The tiles by position. Without users or slots, the layout's own order
    (``arrange``). Otherwise each listed id's tile in its spot (an absent
    one's spot free), padded or cut to ``slots`` (or as many as ``boxes``); with ``fill`` the others
    take the free spots and, without slots, the spots after the listed."""
    slots = len(arrangement.boxes) or arrangement.slots
    if not arrangement.users and not slots:
        return list(arrange(tiles, layout, focus))
    cameras = {t.participant_id: t for t in tiles if not t.screen}
    placed: list[Tile | None] = [cameras.get(uid) if uid else None for uid in arrangement.users]
    if slots:
        placed = (placed + [None] * slots)[:slots]
    if arrangement.fill:
        taken = {id(t) for t in placed if t is not None}
        rest = [t for t in tiles if id(t) not in taken]
        placed = [spot if spot is not None or not rest else rest.pop(0) for spot in placed]
        if not slots:
            placed += rest
    return placed


def arrange(tiles: list[Tile], layout: Layout, focus: str) -> list[Tile]:
    """The tiles in the order the layout places them: for SPEAKER the focus
    participant's camera first, for PRESENTATION a screen share first (the
    focus participant's if they share); GRID keeps the order given."""
    if layout is Layout.GRID or not tiles:
        return list(tiles)
    if layout is Layout.PRESENTATION:
        screens = [t for t in tiles if t.screen]
        main = next((t for t in screens if t.participant_id == focus),
                    screens[0] if screens else None)
        if main is not None:
            return [main] + [t for t in tiles if t is not main and not t.screen]
    cameras = [t for t in tiles if not t.screen]
    main = next((t for t in cameras if t.participant_id == focus), cameras[0] if cameras else
                tiles[0])
    return [main] + [t for t in tiles if t is not main]
