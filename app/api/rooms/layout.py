"""Layout: POST /rooms/<access_key>/layout. Eyeson's parameters onto the
composed picture's arrangement: ``layout`` auto (free spots filled by the
others) or custom (only those listed), ``users`` by position ("" keeps a
spot free), a named layout (``name``: a podium of one to nine spots, or a
presentation layout: the first user large), or the positions themselves
(``map``), ``show_names``."""

from __future__ import annotations

from typing import Any

from app.api.rooms import bp
from app.api.rooms.auth import room_user
from app.api.rooms.media_schemas import PODIUMS, PRESENTATIONS, layout_schema
from app.api.rooms.options import require_available
from app.api.rooms.params import load_params
from app.extensions import db
from app.modules.outputs import composition
from app.modules.outputs.arrangement import Arrangement
from app.protocol.egress_api import Layout, LayoutSpec

PODIUM_SIZES = sorted(set(PODIUMS.values()))


@bp.post("/rooms/<access_key>/layout")
def set_layout(access_key: str) -> tuple[str, int]:
    """200; 405 when the room's layout_available is false."""
    user = room_user(access_key)
    require_available(user.session.room, "layout_available")
    composition.set_layout(user.tenant, user.session, arrangement(load_params(layout_schema)))
    db.session.commit()
    return "", 200


def arrangement(data: dict[str, Any]) -> Arrangement:
    """The egress's arrangement for Eyeson's layout parameters."""
    users, name = list(data.get("users") or []), data.get("name")
    fill = data.get("layout", "auto") == "auto"
    show_names = data.get("show_names", True)
    if data.get("map"):
        return Arrangement(Layout.GRID, "", LayoutSpec(users=users, fill=fill,
                                                       show_names=show_names,
                                                       boxes=data["map"]))
    if name in PRESENTATIONS:
        return Arrangement(Layout.SPEAKER, users[0] if users and users[0] else "",
                           LayoutSpec(users=users, fill=fill, slots=PRESENTATIONS[name],
                                      show_names=show_names))
    if name in PODIUMS:
        slots = PODIUMS[name]
    elif users and not fill:  # a custom podium: the smallest that holds the list
        slots = next((size for size in PODIUM_SIZES if size >= len(users)), len(users))
    else:
        slots = 0
    return Arrangement(Layout.GRID, "", LayoutSpec(users=users, fill=fill, slots=slots,
                                                   show_names=show_names))
