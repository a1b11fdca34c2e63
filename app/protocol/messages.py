"""The base of every JSON message: a dataclass with a ``type`` tag."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any, ClassVar, TypeVar


class ProtocolError(ValueError):
    """A message that does not follow the documented protocol."""


@dataclasses.dataclass
class Message:
    type: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **dataclasses.asdict(self)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))


M = TypeVar("M", bound=Message)

_SIMPLE: dict[type, type | tuple[type, ...]] = {
    str: str, int: int, float: (int, float), bool: bool, dict: dict, list: list,
}


def _accepts(hint: Any, value: Any) -> bool:
    """A shallow type check of one decoded JSON value against a field's hint."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(arg, value) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is Any:
        return True
    base = origin or hint
    if dataclasses.is_dataclass(base):
        return isinstance(value, dict)
    if isinstance(base, type) and issubclass(base, str):  # str enums
        return isinstance(value, str)
    accepted = _SIMPLE.get(base)
    if accepted is None:
        return True
    if base is int and isinstance(value, bool):
        return False
    return isinstance(value, accepted)


def _build(cls: type[Any], data: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(data) - set(fields) - {"type"}
    if unknown:
        raise ProtocolError(f"{getattr(cls, 'type', cls.__name__)}: unknown fields "
                            f"{sorted(unknown)}")
    values: dict[str, Any] = {}
    for name, field in fields.items():
        if name not in data:
            if field.default is dataclasses.MISSING and \
                    field.default_factory is dataclasses.MISSING:
                raise ProtocolError(f"{getattr(cls, 'type', cls.__name__)}: missing {name!r}")
            continue
        value, hint = data[name], hints[name]
        if not _accepts(hint, value):
            raise ProtocolError(f"{getattr(cls, 'type', cls.__name__)}: bad {name!r}")
        values[name] = _convert(hint, value)
    return cls(**values)


def _convert(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            if arg is not type(None) and value is not None and _accepts(arg, value):
                return _convert(arg, value)
        return value
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _build(hint, value)
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        if not all(_accepts(item, v) for v in value):
            raise ProtocolError(f"bad list item for {hint}")
        return [_convert(item, v) for v in value]
    if isinstance(hint, type) and issubclass(hint, str) and hint is not str:
        try:
            return hint(value)
        except ValueError as exc:
            choices = [m.value for m in typing.cast(Any, hint)]
            raise ProtocolError(f"{value!r} is not one of {choices}") from exc
    return value


class Catalogue:
    """The message types one side accepts, by their ``type`` tag."""

    def __init__(self, *classes: type[Message]):
        self._by_type = {cls.type: cls for cls in classes}

    def __contains__(self, cls: type[Message]) -> bool:
        return self._by_type.get(cls.type) is cls

    def parse(self, text: str | bytes) -> Message:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ProtocolError("not JSON") from exc
        except RecursionError as exc:  # nesting deeper than the parser's stack
            raise ProtocolError("nested too deep") from exc
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise ProtocolError("a message is a JSON object with a string 'type'")
        cls = self._by_type.get(data["type"])
        if cls is None:
            raise ProtocolError(f"unknown message type {data['type']!r}")
        return typing.cast(Message, _build(cls, data))


def parse_as(cls: type[M], data: dict[str, Any]) -> M:
    """``data`` (a decoded JSON object) as an instance of ``cls``, checked."""
    if not isinstance(data, dict):
        raise ProtocolError(f"{cls.__name__}: expected an object")
    return typing.cast(M, _build(cls, data))
