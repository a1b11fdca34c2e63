"""Name labels and initials, drawn once per name and size with Pillow as
8-bit luma images (the compositor paints them on the Y plane)."""

from __future__ import annotations

import functools

from PIL import Image, ImageDraw, ImageFont

LABEL_BACKGROUND = 16  # black in video range
LABEL_TEXT = 235  # white in video range
INITIALS_BACKGROUND = 64


@functools.lru_cache(maxsize=256)
def label(name: str, height: int, max_width: int) -> Image.Image:
    """``name`` in white on a black band ``height`` high, at most ``max_width`` wide."""
    font = _font(max(height * 2 // 3, 8))
    text = name or "?"
    while len(text) > 1 and font.getlength(text) > max_width - height:
        text = text[:-2] + "…"
    width = min(int(font.getlength(text)) + height, max_width) & ~1
    image = Image.new("L", (max(width, 2), height & ~1), LABEL_BACKGROUND)
    ImageDraw.Draw(image).text((height // 2, height // 2), text, fill=LABEL_TEXT, font=font,
                               anchor="lm")
    return image


@functools.lru_cache(maxsize=64)
def initials(name: str, width: int, height: int) -> Image.Image:
    """A grey card ``width`` x ``height`` with the name's initials in the middle."""
    letters = "".join(word[0] for word in name.split()[:2]).upper() or "?"
    image = Image.new("L", (width, height), INITIALS_BACKGROUND)
    font = _font(max(min(width, height) // 3, 8))
    ImageDraw.Draw(image).text((width // 2, height // 2), letters, fill=LABEL_TEXT, font=font,
                               anchor="mm")
    return image


@functools.lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)
