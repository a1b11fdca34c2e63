"""Where each tile goes in the picture, for each ``Layout``."""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.protocol.egress_api import Layout

STRIP_SLOTS = 4  # the strip of SPEAKER and PRESENTATION has room for this many at least


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    height: int


def boxes(layout: Layout, count: int, width: int, height: int) -> list[Box]:
    """``count`` boxes inside ``width`` x ``height``. For SPEAKER and
    PRESENTATION the first is the large one; the others form a strip (below
    the speaker, right of the presentation). Even coordinates: chroma is
    subsampled 2x2."""
    if count <= 0:
        return []
    if layout is Layout.GRID or count == 1:
        return _grid(count, 0, 0, width, height)
    strip = count - 1
    if layout is Layout.SPEAKER:
        main_height = height * 3 // 4
        cell = min(width // max(strip, STRIP_SLOTS), width // strip)
        left = (width - cell * strip) // 2
        return [_even(0, 0, width, main_height)] + [
            _even(left + i * cell, main_height, cell, height - main_height)
            for i in range(strip)]
    main_width = width * 3 // 4
    cell = height // max(strip, STRIP_SLOTS)
    top = (height - cell * strip) // 2
    return [_even(0, 0, main_width, height)] + [
        _even(main_width, top + i * cell, width - main_width, cell) for i in range(strip)]


def _grid(count: int, x: int, y: int, width: int, height: int) -> list[Box]:
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    cell_w, cell_h = width // columns, height // rows
    result = []
    for index in range(count):
        row, column = divmod(index, columns)
        in_row = min(columns, count - row * columns)  # center a short last row
        left = x + (width - in_row * cell_w) // 2
        result.append(_even(left + column * cell_w, y + row * cell_h, cell_w, cell_h))
    return result


def _even(x: int, y: int, width: int, height: int) -> Box:
    return Box(x & ~1, y & ~1, max(width & ~1, 2), max(height & ~1, 2))


def fit(frame_width: int, frame_height: int, box: Box) -> Box:
    """The largest box of the frame's aspect ratio centred in ``box``."""
    scale = min(box.width / frame_width, box.height / frame_height)
    width, height = int(frame_width * scale), int(frame_height * scale)
    return _even(box.x + (box.width - width) // 2, box.y + (box.height - height) // 2,
                 width, height)


def clip(box: Box, width: int, height: int) -> Box:
    """``box`` inside a ``width`` x ``height`` picture, even, at least 2x2."""
    x, y = min(max(box.x, 0), width - 2), min(max(box.y, 0), height - 2)
    return _even(x, y, min(box.width, width - x), min(box.height, height - y))
