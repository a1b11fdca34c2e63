"""What a live-stream viewer sees at /livestream/<access_code>: whether the
room is live, and the live playlist with every segment as a storage link
(an S3 presigned URL, or the local folder's signed /files/ link), so that
viewers fetch segments from storage or its CDN, never through the web."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass

from app.errors import Conflict
from app.extensions import settings
from app.modules.access import Actor
from app.modules.hosts.operations import load_host
from app.modules.meetings.scheduling import Address, address_at
from app.modules.outputs.operations import latest_live_stream
from app.modules.tenants.models import Tenant
from app.modules.tenants.operations import company_url
from app.protocol.egress_api import OutputState
from app.storage import Storage, storage_for

PLAYLIST = "live.m3u8"
# Long enough for a viewer that pauses a while within the DVR window; every
# fetch of the playlist hands out fresh links.
SEGMENT_LINK_SECONDS = 15 * 60
NOT_STARTED = "This live stream has not started"
_URI_ATTRIBUTE = re.compile(r'URI="([^"]+)"')


class StreamState(enum.StrEnum):
    NOT_LIVE = "not_live"  # no live stream yet, or its first segment is not written
    LIVE = "live"
    ENDED = "ended"  # the last live stream stopped (or failed)


@dataclass(frozen=True)
class LiveStream:
    player_url: str
    state: StreamState
    reason: str = ""  # why the last live stream failed


def storage() -> Storage:
    """The platform's storage, as the web reads it (signing local links)."""
    return storage_for(settings())


def stream_at(company: Tenant, code: str) -> LiveStream:
    """The live stream of the room that ``code`` opens now (404 when none)."""
    return _stream(company, address_at(company, code), code)


def host_live_stream(actor: Actor, host_id: int) -> LiveStream:
    """The live stream of a host's room (enterprise_api livestream/get)."""
    host = load_host(actor, host_id)
    tenant = Tenant.of(host.company)
    return _stream(tenant, address_at(tenant, host.access_code), host.access_code)


def live_playlist(company: Tenant, code: str) -> str:
    """The room's live playlist with each segment's storage link; 404 while
    there is none (not live yet)."""
    address = address_at(company, code)
    output = latest_live_stream(company, address.room.id) if address.room else None
    # 409, not 404: a viewer early for the stream is no wrong address (the
    # room-enumeration limit counts 404s).
    if output is None:
        raise Conflict(NOT_STARTED)
    store = storage()
    try:
        text = store.read(f"{output.storage_prefix}/{PLAYLIST}").decode()
    except KeyError:
        raise Conflict(NOT_STARTED) from None
    return rewrite_playlist(text, lambda name: store.url(f"{output.storage_prefix}/{name}",
                                                         SEGMENT_LINK_SECONDS))


def rewrite_playlist(text: str, link: Callable[[str], str]) -> str:
    """``text`` with every URI (segment lines, ``URI="..."`` attributes), a
    name relative to the playlist, replaced by ``link(name)``. An absolute or
    climbing URI is dropped: the egress writes none, and nothing else may
    point viewers elsewhere."""
    lines: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            lines.append(_URI_ATTRIBUTE.sub(lambda m: f'URI="{_link(m.group(1), link)}"', line))
        elif stripped:
            lines.append(_link(stripped, link))
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def _link(name: str, link: Callable[[str], str]) -> str:
    if "://" in name or name.startswith("/") or ".." in name.split("/"):
        raise Conflict("This live stream's playlist names a foreign segment")
    return link(name)


def _stream(company: Tenant, address: Address, code: str) -> LiveStream:
    url = company_url(company, f"/livestream/{code}")
    output = latest_live_stream(company, address.room.id) if address.room else None
    if output is None:
        return LiveStream(url, StreamState.NOT_LIVE)
    if not output.running:
        return LiveStream(url, StreamState.ENDED,
                          output.reason if output.state is OutputState.FAILED else "")
    if output.state is OutputState.LIVE or \
            storage().size(f"{output.storage_prefix}/{PLAYLIST}") is not None:
        return LiveStream(url, StreamState.LIVE)
    return LiveStream(url, StreamState.NOT_LIVE)
