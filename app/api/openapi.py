"""What the JSON dialects' OpenAPI documents share: an apispec ``APISpec``
that knows our custom marshmallow fields, and the error document."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import fields, validate

from app.api.fields import MuteModeField
from app.core.schemas import StrictBoolean
from app.protocol.signalling import MuteMode

ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _schema_name(schema: Any) -> str:
    name = type(schema).__name__ if not isinstance(schema, type) else schema.__name__
    return name[: -len("Schema")] if name.endswith("Schema") else name


def new_spec(title: str, description: str,
             field_properties: dict[type[fields.Field], Any] | None = None) -> APISpec:
    """An OpenAPI 3 document with the Error schema; ``field_properties`` maps a
    dialect's own field classes to a function ``field -> JSON schema``."""
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(title=title, version="1", openapi_version="3.0.3", plugins=[plugin],
                   info={"description": description})
    known: dict[type[fields.Field], Any] = {
        MuteModeField: lambda field: {"type": "string",
                                      "enum": [mode.value for mode in MuteMode]},
        StrictBoolean: lambda field: {"type": "boolean"},
        **(field_properties or {}),
    }

    def custom_fields(_converter: Any, field: fields.Field, **_: Any) -> dict[str, Any]:
        for cls, describe in known.items():
            if isinstance(field, cls):
                return dict(describe(field))
        if any(isinstance(check, validate.Email) for check in field.validators):
            return {"format": "email"}
        return {}

    plugin.converter.add_attribute_function(custom_fields)  # type: ignore[union-attr]
    spec.components.schema("Error", {
        "type": "object", "required": ["message"],
        "properties": {"message": {"type": "string"},
                       "errors": {"type": "object", "additionalProperties": True}},
    })
    return spec


def body_schema(spec: APISpec, schema: Any,
                extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """``schema`` as an inline JSON schema (nested ones become components),
    with the ``extra`` required string properties added."""
    plugin = next(p for p in spec.plugins if isinstance(p, MarshmallowPlugin))
    assert plugin.converter is not None
    body: dict[str, Any] = plugin.converter.schema2jsonschema(schema)
    for name, description in (extra or {}).items():
        body.setdefault("properties", {})[name] = {"type": "string", "minLength": 1,
                                                   "description": description}
        body.setdefault("required", []).append(name)
    return body


def error_responses(statuses: dict[str, str]) -> dict[str, Any]:
    return {status: {"description": why, "content": {"application/json": {"schema": ERROR_REF}}}
            for status, why in statuses.items()}
