"""Where tiles go, and in which order, for each layout."""

from __future__ import annotations

import asyncio

import pytest

from app.egress.compositor import Compositor, Tile, arrange
from app.egress.layouts import Box, boxes, fit
from app.protocol.egress_api import Layout
from tests.egress.media import RED, ColourVideo


@pytest.mark.parametrize("layout", list(Layout))
@pytest.mark.parametrize("count", [1, 2, 3, 5, 9])
def test_boxes_stay_inside_the_picture_do_not_overlap_and_are_even(layout: Layout,
                                                                   count: int) -> None:
    placed = boxes(layout, count, 1280, 720)
    assert len(placed) == count
    for i, a in enumerate(placed):
        assert a.x >= 0 and a.y >= 0 and a.x + a.width <= 1280 and a.y + a.height <= 720
        assert a.x % 2 == a.y % 2 == a.width % 2 == a.height % 2 == 0
        for b in placed[i + 1:]:
            assert a.x + a.width <= b.x or b.x + b.width <= a.x or \
                a.y + a.height <= b.y or b.y + b.height <= a.y


def test_the_speaker_and_the_presentation_get_the_large_box() -> None:
    speaker = boxes(Layout.SPEAKER, 3, 1280, 720)
    assert speaker[0] == Box(0, 0, 1280, 540)
    presentation = boxes(Layout.PRESENTATION, 3, 1280, 720)
    assert presentation[0] == Box(0, 0, 960, 720)


def test_fit_keeps_the_aspect_ratio_centred() -> None:
    assert fit(320, 240, Box(0, 0, 1280, 720)) == Box(160, 0, 960, 720)


def test_arrange_puts_the_focus_or_the_screen_share_first() -> None:
    ann, bob = Tile("a", "Ann"), Tile("b", "Bob")
    screen = Tile("b", "Bob", screen=True)
    assert arrange([ann, bob], Layout.SPEAKER, "b") == [bob, ann]
    assert arrange([ann, bob, screen], Layout.PRESENTATION, "") == [screen, ann, bob]
    assert arrange([ann, bob], Layout.PRESENTATION, "") == [ann, bob]  # nothing shared
    assert arrange([ann, bob], Layout.GRID, "b") == [ann, bob]


def test_compose_counts_the_tiles_with_video_and_draws_initials_otherwise() -> None:
    frame = asyncio.run(ColourVideo(RED).recv())
    picture, videos = Compositor(640, 360).compose(
        [Tile("a", "Ann Red", frame=frame), Tile("c", "Carl Jones")], Layout.GRID)
    assert (picture.width, picture.height, videos) == (640, 360, 1)
    rgb = picture.to_ndarray(format="rgb24")
    assert rgb[180, 160, 0] > 180 and rgb[180, 160, 2] < 80  # Ann's red, left half
    assert abs(int(rgb[100, 480, 0]) - int(rgb[100, 480, 2])) < 10  # Carl's grey card
