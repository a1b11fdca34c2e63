"""Signed, expiring links to the local storage folder (app/storage.py):
``GET /files/<expires>/<signature>/<key>`` on the company's host name. With
S3 storage, links are presigned S3 URLs and this route answers 404.

The signature covers the expiry and the key's directory, so a player that
fetched ``.../live.m3u8`` through such a link fetches the playlist's
relative ``0.ts`` through a link that validates too."""

from __future__ import annotations

import mimetypes
import time

from flask import Response, send_file

from app.errors import Forbidden, Gone, NotFound
from app.extensions import settings
from app.modules.recordings.operations import playable
from app.storage import (
    FILES_PATH,
    LinkCheck,
    LocalStorage,
    StorageError,
    check_link,
    company_of,
    storage_for,
)
from app.web import bp
from app.web.tenant import page_tenant

# Content types by extension: the players and browsers go by these.
CONTENT_TYPES = {
    "m3u8": "application/vnd.apple.mpegurl",
    "ts": "video/mp2t",
    "mp4": "video/mp4",
    "m4a": "audio/mp4",
    "m4s": "video/iso.segment",
    "jpg": "image/jpeg",
    "vtt": "text/vtt",
}
# A playlist changes every segment; a segment or a finished file never does.
NO_CACHE = frozenset({"m3u8"})


@bp.get(f"{FILES_PATH}/<expires>/<signature>/<path:key>")
def storage_file(expires: str, signature: str, key: str) -> Response:
    tenant = page_tenant()
    storage = storage_for(settings())
    if not isinstance(storage, LocalStorage):
        raise NotFound("There is nothing at this address")
    verdict = check_link(settings().secret_key, expires, signature, key)
    if verdict is LinkCheck.BAD:
        raise Forbidden("This link is not valid")
    if verdict is LinkCheck.EXPIRED:
        raise Gone("This link has expired")
    try:
        # Another company's file does not exist on this host name.
        if company_of(key) != str(tenant.id) or not playable(key):
            raise NotFound("There is nothing at this address")
        path = storage.path_of(key)
    except StorageError:
        raise NotFound("There is nothing at this address") from None
    if not path.is_file():
        raise NotFound("There is nothing at this address")
    extension = key.rsplit(".", 1)[-1].lower()
    mimetype = CONTENT_TYPES.get(extension) or mimetypes.guess_type(key)[0] or \
        "application/octet-stream"
    response = send_file(path, mimetype=mimetype, conditional=True, etag=True, max_age=None)
    # Live segments may sit in a shared cache (a CDN in front of the web: many
    # viewers, one fetch); a recording or a snapshot only in the viewer's own,
    # so that deleting it is not undone by a cache. Never past the link's expiry.
    who = "public" if key.split("/")[1:2] == ["live"] else "private"
    response.headers["Cache-Control"] = "no-cache" if extension in NO_CACHE else \
        f"{who}, max-age={max(0, int(expires) - int(time.time()))}, immutable"
    # The player page (another path of this host, or an embedding site through
    # it) fetches these with hls.js: same origin, nothing to allow across.
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
