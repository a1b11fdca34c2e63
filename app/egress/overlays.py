"""Layers: a picture over or under the composed tiles (the rooms API's
``POST /rooms/<key>/layers``). An image the egress fetches from a URL, or a
text insert it draws with Pillow; either becomes an ``Overlay``: yuv420p
planes (PyAV's swscale converts the RGB) and an alpha per plane, cropped to
where the image is not transparent, so that blending costs what it shows."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import aiohttp
import av
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from app.protocol.egress_api import LayerSpec

MAX_IMAGE_BYTES = 20 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 10.0
INSERT_BOX = (24, 24, 24, 216)  # dark, a little transparent
INSERT_TITLE = (255, 255, 255, 255)
INSERT_TEXT = (220, 220, 220, 255)

Plane = NDArray[np.uint8]


class LayerFailed(Exception):
    """The layer's image could not be fetched or read."""


@dataclass(frozen=True)
class Overlay:
    """A layer ready to blend at (x, y) of the picture: planes and alphas
    (0-255) of the same shapes, x and y even."""

    x: int
    y: int
    y_plane: Plane
    u_plane: Plane
    v_plane: Plane
    alpha: Plane  # full size, for Y
    alpha_half: Plane  # half size, for U and V


async def render_layer(layer: LayerSpec, width: int, height: int) -> Image.Image:
    """The layer as an RGBA image of the picture's size: the fetched image
    scaled to it, or the text insert drawn on a transparent picture."""
    if layer.image_url:
        data = await fetch(layer.image_url)
        try:
            image = Image.open(io.BytesIO(data))
            image.load()
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
            raise LayerFailed(f"not an image: {layer.image_url}") from exc
        return image.convert("RGBA").resize((width, height))
    return text_insert(layer.title, layer.content, width, height)


async def fetch(url: str) -> bytes:
    """The body at ``url`` (at most MAX_IMAGE_BYTES), or ``LayerFailed``."""
    timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as answer:
            if answer.status != 200:
                raise LayerFailed(f"{url} answered {answer.status}")
            data = await answer.content.read(MAX_IMAGE_BYTES + 1)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise LayerFailed(f"could not fetch {url}: {exc or type(exc).__name__}") from exc
    if len(data) > MAX_IMAGE_BYTES:
        raise LayerFailed(f"{url} is larger than {MAX_IMAGE_BYTES} bytes")
    return data


def text_insert(title: str, content: str, width: int, height: int) -> Image.Image:
    """A box in the lower left with the title above the content."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    title_font, text_font = _font(max(height // 24, 12)), _font(max(height // 32, 10))
    margin = max(height // 40, 8)
    box_width = width * 2 // 5
    lines = [(title, title_font, INSERT_TITLE)] if title else []
    lines += [(line, text_font, INSERT_TEXT) for line in _wrap(content, text_font,
                                                                  box_width - 2 * margin)]
    line_heights = [int(getattr(font, "size", 12) * 1.3) for _, font, _ in lines]
    box_height = sum(line_heights) + 2 * margin
    top = height - box_height - margin * 3
    draw.rectangle((margin * 2, top, margin * 2 + box_width, top + box_height), fill=INSERT_BOX)
    y = top + margin
    for (text, font, colour), line_height in zip(lines, line_heights, strict=True):
        draw.text((margin * 3, y), text, fill=colour, font=font)
        y += line_height
    return image


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _wrap(text: str, font: object, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or ([text] if text else []):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if line and font.getlength(candidate) > width:  # type: ignore[attr-defined]
                lines.append(line)
                candidate = word
            line = candidate
        lines.append(line)
    return lines[:8]


def overlay_of(image: Image.Image) -> Overlay | None:
    """The image (RGBA, of the picture's size) as an Overlay; None when it is
    transparent everywhere."""
    box = image.getchannel("A").getbbox()
    if box is None:
        return None
    left, top = box[0] & ~1, box[1] & ~1
    right, bottom = min((box[2] + 1) & ~1, image.width), min((box[3] + 1) & ~1, image.height)
    part = image.crop((left, top, right, bottom))
    rgb = np.asarray(part.convert("RGB"))
    yuv = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
    y_plane, u_plane, v_plane = (_plane(plane) for plane in yuv.planes)
    w, h = part.width, part.height
    return Overlay(
        x=left, y=top, y_plane=y_plane, u_plane=u_plane, v_plane=v_plane,
        alpha=np.asarray(part.getchannel("A")).copy(),
        alpha_half=np.asarray(part.getchannel("A").resize((w // 2, h // 2))).copy())


def _plane(plane: av.video.plane.VideoPlane) -> Plane:
    """A plane's pixels without the padding at the end of each line."""
    rows = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, :plane.width].copy()


def blend(overlay: Overlay, y: Plane, u: Plane, v: Plane) -> None:
    """``overlay`` over the picture's planes, in place."""
    h, w = overlay.alpha.shape
    _mix(y[overlay.y:overlay.y + h, overlay.x:overlay.x + w], overlay.y_plane, overlay.alpha)
    cy, cx = overlay.y // 2, overlay.x // 2
    hh, hw = overlay.alpha_half.shape
    _mix(u[cy:cy + hh, cx:cx + hw], overlay.u_plane, overlay.alpha_half)
    _mix(v[cy:cy + hh, cx:cx + hw], overlay.v_plane, overlay.alpha_half)


def _mix(target: Plane, source: Plane, alpha: Plane) -> None:
    a = alpha.astype(np.uint16)
    target[...] = ((target * (255 - a) + source * a + 127) // 255).astype(np.uint8)
