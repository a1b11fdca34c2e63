"""Reading settings from the environment, the same way in every process:
the web's ``Settings`` (app/config.py) and a media node's ``NodeSettings``
(app/sfu/config.py) both come through ``environment_values``. Standard
library only: a media process imports it."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any


class ConfigError(Exception):
    """A setting is missing or malformed; the process must not start."""


def environment_values(cls: type, environ: Mapping[str, str],
                       env_name: Callable[[str], str]) -> dict[str, Any]:
    """The fields of the dataclass ``cls`` that ``environ`` sets (an empty value
    sets nothing), each converted to its field's type: numbers, booleans
    (true/false, 1/0, yes/no), comma-separated tuples of strings, and strings;
    a PEM may come on one line with literal ``\\n``, as env files hold it."""
    values: dict[str, Any] = {}
    for f in fields(cls):
        name = env_name(f.name)
        raw = environ.get(name, "")
        if raw != "":
            values[f.name] = _coerce(name, raw, str(f.type))
    return values


def _coerce(name: str, raw: str, type_name: str) -> Any:
    try:
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number: {raw!r}") from exc
    if type_name == "bool":
        if raw.strip().lower() not in _BOOLEANS:
            raise ConfigError(f"{name} must be true or false: {raw!r}")
        return _BOOLEANS[raw.strip().lower()]
    if type_name.startswith("tuple"):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if raw.startswith("-----BEGIN"):
        return raw.replace("\\n", "\n")
    return raw


_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is this machine only:
    where a development server, on generated secrets, may listen."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# Names that never leave a development machine or a test run: loopback, and the
# reserved top-level names localhost (RFC 6761: resolves to loopback) and test.
_LOCAL_SUFFIXES = (".localhost", ".test")


def is_local_name(host: str) -> bool:
    """Whether ``host`` is this machine or a name reserved for tests: where
    plain http may stand in for https outside production (an OpenID issuer,
    the OAuth token endpoint in ``make run``)."""
    name = host.lower().rstrip(".")
    return is_loopback(name) or name.endswith(_LOCAL_SUFFIXES)
