"""A session's composition as stored (``SessionComposition``) and as the
egress protocol carries it: what ``StartOutputs`` opens a room with, and
the specs each change sends to a running egress."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.modules.meetings.models import MeetingSession
from app.modules.outputs.models import SessionComposition
from app.protocol.egress_api import LayerSpec, Layout, LayoutSpec, PlaybackSpec
from app.protocol.messages import parse_as


@dataclass(frozen=True)
class Arrangement:
    """Where the tiles go: the egress's layout, its focus, the positions."""

    layout: Layout = Layout.GRID
    focus: str = ""
    spec: LayoutSpec = field(default_factory=LayoutSpec)


def composition(session: MeetingSession, for_update: bool = False) -> SessionComposition:
    """The session's composition row (a new, empty one the first time)."""
    select = sa.select(SessionComposition).where(SessionComposition.session_id == session.id)
    found = db.session.execute(select.with_for_update() if for_update else select).scalar()
    if found is None:
        found = SessionComposition(company_id=session.company_id, session_id=session.id,
                                   layout={}, layers={}, playbacks={})
        db.session.add(found)
    return found


def arrangement_of(stored: SessionComposition | None) -> Arrangement:
    layout = dict(stored.layout) if stored is not None else {}
    if not layout:
        return Arrangement()
    return Arrangement(layout=Layout(layout["layout"]), focus=layout["focus"],
                       spec=_spec(LayoutSpec, layout["spec"]))


def layers_of(stored: SessionComposition | None) -> list[LayerSpec]:
    layers = stored.layers if stored is not None else {}
    return [_spec(LayerSpec, layers[z]) for z in sorted(layers, key=int)]


def playbacks_of(stored: SessionComposition | None) -> list[PlaybackSpec]:
    playbacks = stored.playbacks if stored is not None else {}
    return [_spec(PlaybackSpec, playbacks[play_id]) for play_id in sorted(playbacks)]


def stored_composition(session: MeetingSession) -> SessionComposition | None:
    """The session's composition row, if anything was ever asked of it."""
    return db.session.execute(sa.select(SessionComposition).where(
        SessionComposition.session_id == session.id)).scalar()


def opening(session: MeetingSession) -> dict[str, Any]:
    """``StartOutputs``' fields for what the session's composition holds;
    only those it has (an egress of the version before them still takes a
    start of a session that has none)."""
    stored = stored_composition(session)
    if stored is None:
        return {}
    arranged = arrangement_of(stored)
    fields: dict[str, Any] = {"layout": arranged.layout, "arrangement": arranged.spec,
                              "layers": layers_of(stored), "playbacks": playbacks_of(stored)}
    return {name: value for name, value in fields.items() if value != _EMPTY[name]}


_EMPTY: dict[str, Any] = {"layout": Layout.GRID, "arrangement": LayoutSpec(), "layers": [],
                          "playbacks": []}


def stored_arrangement(arranged: Arrangement) -> dict[str, Any]:
    return {"layout": arranged.layout.value, "focus": arranged.focus,
            "spec": asdict(arranged.spec)}


def _spec(cls: type[Any], data: dict[str, Any]) -> Any:
    return parse_as(cls, data)
