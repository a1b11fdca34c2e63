from __future__ import annotations

from typing import Any

from app.extensions import db, settings
from app.jobs import job_handler
from app.modules.recordings import assembly, operations
from app.storage import storage_for


@job_handler(operations.ASSEMBLE)
def assemble(payload: dict[str, Any]) -> None:
    recording_id = int(payload["recording_id"])
    pending = operations.pending_assembly(recording_id)
    if pending is None:
        return
    # End the read before the long part (fetching, remuxing and storing an
    # hour of video): on SQLite any open transaction holds the write lock.
    db.session.rollback()
    operations.assembled(recording_id, assembly.assemble(storage_for(settings()), *pending))
