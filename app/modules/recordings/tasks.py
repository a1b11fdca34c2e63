from __future__ import annotations

from typing import Any

from app.jobs import job_handler
from app.modules.recordings.operations import ASSEMBLE, assemble_recording


@job_handler(ASSEMBLE)
def assemble(payload: dict[str, Any]) -> None:
    assemble_recording(int(payload["recording_id"]))
