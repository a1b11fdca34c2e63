"""The frame counter in the pixels: each publisher's 640x480 picture carries
its own number, its frame's index in its clip and a check of both as 16
white or black squares along its top edge, read back from the egress's
composed picture (after VP8, scaling into a tile and H.264)."""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

from app.egress.layouts import boxes, fit
from app.protocol.egress_api import Layout

WIDTH, HEIGHT = 640, 480  # a publisher's camera
BITS = 16
PUBLISHER_BITS = 2  # the top two: which publisher (0-3)
CHECK_BITS = 4  # the last four: a check of the rest, so a misread square is caught
INDEX_BITS = BITS - PUBLISHER_BITS - CHECK_BITS  # between: the frame's index in its clip
INDEX_MOD = 1 << INDEX_BITS
BLOCK = WIDTH // BITS  # 40 px squares
WHITE, BLACK = 235, 16
CLEAR_LOW, CLEAR_HIGH = 80, 170  # a square read between these is no clear bit


def draw(luma: NDArray[Any], publisher: int, index: int) -> None:
    """Paint ``publisher`` and ``index`` over the top BLOCK rows of a 640x480 luma plane."""
    value = publisher << INDEX_BITS | index % INDEX_MOD
    number = value << CHECK_BITS | check(value)
    for bit in range(BITS):
        on = number >> (BITS - 1 - bit) & 1
        luma[:BLOCK, bit * BLOCK:(bit + 1) * BLOCK] = WHITE if on else BLACK


def read_tiles(luma: NDArray[Any], tiles: int) -> list[tuple[int, int]]:
    """(publisher, index) of every GRID tile of a composed picture (its luma
    plane) whose squares all read clearly; tiles that do not are left out."""
    height, width = luma.shape
    found = []
    for box in boxes(Layout.GRID, tiles, width, height):
        inner = fit(WIDTH, HEIGHT, box)
        scale = inner.width / WIDTH
        half = max(int(BLOCK * scale) // 4, 1)  # the middle half of each square
        y = inner.y + int(BLOCK * scale / 2)
        number, clear = 0, True
        for bit in range(BITS):
            x = inner.x + int((bit + 0.5) * BLOCK * scale)
            value = float(luma[y - half:y + half, x - half:x + half].mean())
            clear = clear and not CLEAR_LOW < value < CLEAR_HIGH
            number = number << 1 | (value >= (CLEAR_LOW + CLEAR_HIGH) / 2)
        value = number >> CHECK_BITS
        if clear and number % (1 << CHECK_BITS) == check(value):
            found.append((value >> INDEX_BITS, value % INDEX_MOD))
    return found


def check(value: int) -> int:
    """The sum of ``value``'s 4-bit digits, mod 16: any one square misread changes it."""
    total = 0
    while value:
        total, value = total + (value & 15), value >> 4
    return total % 16
