"""The rooms API's parameters: Eyeson clients send them as a query string, a
form body or JSON, with Rails' bracket notation in the first two
(``user[name]``, ``options[custom_fields][locale]``, ``users[]``). One
function turns any of them into one nested dict for marshmallow."""

from __future__ import annotations

import re
from typing import Any

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError

from app.api.parsing import json_body
from app.core.inputs import check_json_values
from app.errors import BadRequest, ValidationFailed

MAX_BRACKETS = 5  # deeper than any parameter of Eyeson's
_NAME = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def request_params() -> dict[str, Any]:
    """The query string's parameters, then the body's (form or JSON object)
    over them, as one nested dict; 400 for a malformed name or body."""
    params: dict[str, Any] = {}
    for name, values in request.args.lists():
        _put(params, name, values)
    if request.mimetype == "application/json":
        if request.get_data().strip():  # (cached: json_body reads it again)
            _merge(params, json_body())
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, values in request.form.lists():
            _put(params, name, values)
    check_json_values(params)
    return params


def load_params(schema: Schema, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """``params`` (the request's, by default) loaded with ``schema``;
    parameters it does not know are ignored, as Eyeson does (at every level
    for a ``schemas.LenientSchema``)."""
    try:
        return schema.load(request_params() if params is None else params, unknown=EXCLUDE)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed(f"Invalid parameters: {_first(messages)}", messages) from exc


def _put(params: dict[str, Any], name: str, values: list[str]) -> None:
    """Store ``name=values`` (``a[b][]=v``) at its path in ``params``."""
    match = _NAME.match(name)
    if match is None:
        raise BadRequest(f"Malformed parameter name: {name[:100]}")
    keys = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
    if len(keys) > MAX_BRACKETS + 1 or "" in keys[:-1]:
        raise BadRequest(f"Malformed parameter name: {name[:100]}")
    as_list = keys[-1] == ""
    if as_list:
        keys.pop()
    node = params
    for key in keys[:-1]:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise BadRequest(f"Parameter {key} is given both as a value and as a group")
        node = child
    if isinstance(node.get(keys[-1]), dict):
        raise BadRequest(f"Parameter {keys[-1]} is given both as a value and as a group")
    node[keys[-1]] = list(values) if as_list else values[-1]


def _merge(into: dict[str, Any], body: dict[str, Any]) -> None:
    for key, value in body.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _first(messages: dict[str, Any], path: str = "") -> str:
    """The first field at fault, in Eyeson's bracket notation, and why."""
    for key, value in messages.items():
        name = f"{path}[{key}]" if path else str(key)
        if isinstance(value, dict):
            return _first(value, name)
        return f"{name}: {value[0] if isinstance(value, list) and value else value}"
    return "invalid"
