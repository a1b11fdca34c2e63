"""Layers: POST /rooms/<access_key>/layers (an image from ``url``, or a
text insert ``insert[title]``/``insert[content]``, at ``z-index`` 1
(foreground, the default) or -1 (background)), DELETE
/rooms/<access_key>/layers/<z-index> (clear it). The meeting's egress
fetches the image and draws both into the composed picture."""

from __future__ import annotations

from app.api.rooms import bp
from app.api.rooms.auth import room_user
from app.api.rooms.media_schemas import layer_schema
from app.api.rooms.params import load_params
from app.extensions import db
from app.modules.outputs import composition
from app.protocol.egress_api import LayerSpec


@bp.post("/rooms/<access_key>/layers")
def set_layer(access_key: str) -> tuple[str, int]:
    """201; 400 for bad parameters or an image the egress cannot fetch or read."""
    user = room_user(access_key)
    data = load_params(layer_schema)
    insert = data.get("insert") or {}
    layer = LayerSpec(z_index=data["z_index"], image_url=data.get("url") or "",
                      title=insert.get("title") or "", content=insert.get("content") or "")
    composition.set_layer(user.tenant, user.session, layer)
    db.session.commit()
    return "", 201


@bp.delete("/rooms/<access_key>/layers/<int(signed=True):z_index>")
def clear_layer(access_key: str, z_index: int) -> tuple[str, int]:
    user = room_user(access_key)
    composition.clear_layer(user.tenant, user.session, z_index)
    db.session.commit()
    return "", 200
