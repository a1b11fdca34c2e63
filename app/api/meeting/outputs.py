"""GET /api/v1/sessions/<session_id>/outputs: a running meeting's outputs
(live stream, recordings, broadcasts, snapshots) and their states, for a
moderator of it (join token as ``Authorization: Bearer``)."""

from __future__ import annotations

from flask import Response, jsonify
from marshmallow import Schema, fields

from app.api.meeting import bp
from app.api.parsing import pop_token, request_tenant
from app.core.inputs import path_id
from app.modules.meetings.commands import NO_SESSION
from app.modules.outputs.commands import session_outputs


class OutputSchema(Schema):
    output_id = fields.String(attribute="public_id")
    kind = fields.String(attribute="kind.value")
    state = fields.String(attribute="state.value")
    reason = fields.String()
    started_at = fields.DateTime()
    stopped_at = fields.DateTime(allow_none=True)


class OutputsSchema(Schema):
    outputs = fields.List(fields.Nested(OutputSchema))


outputs_schema = OutputsSchema()


@bp.get("/sessions/<session_id>/outputs")
def list_outputs(session_id: str) -> Response:
    tenant = request_tenant()
    path_id(session_id, NO_SESSION)
    outputs = session_outputs(tenant, session_id, pop_token({}))
    return jsonify(outputs_schema.dump({"outputs": outputs}))
