"""One logging set-up for every process: plain text for a person at a
terminal, or one JSON object per line for a log collector (``LOG_FORMAT``).

A web request's id and tenant live in context variables that the web sets at
the start of each request (app/api/ops/request_context.py); every record
logged while they are set carries them, whichever logger wrote it. Standard
library only: the media node and the egress import it too.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.environment import ConfigError, environment_values

TEXT_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
FORMATS = ("text", "json")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
tenant_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("tenant_id", default=None)

# What a LogRecord has on its own: anything else on it came through ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName", "request_id", "tenant_id"}


class RequestContext(logging.Filter):
    """Puts the current request's id and tenant on every record (empty outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.tenant_id = tenant_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC), level, logger, message, the
    request's id and tenant when there is one, what ``extra=`` added, and the
    traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC)
            .isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        if request := getattr(record, "request_id", ""):
            entry["request_id"] = request
        if (tenant := getattr(record, "tenant_id", None)) is not None:
            entry["tenant_id"] = tenant
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def handler_config(log_format: str) -> dict[str, Any]:
    """The ``logging.config.dictConfig`` of a process (gunicorn takes it as
    ``logconfig_dict``): one stderr handler, in ``log_format``, at INFO."""
    formatter: dict[str, Any] = {"()": JsonFormatter} if log_format == "json" \
        else {"format": TEXT_FORMAT}
    return {
        "version": 1, "disable_existing_loggers": False,
        "filters": {"request": {"()": RequestContext}},
        "formatters": {"default": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "default",
                                "filters": ["request"], "stream": "ext://sys.stderr"}},
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            # gunicorn's own loggers write through the root's handler; in
            # JSON its access log is silent: the app logs each request with
            # its id and tenant (app/api/ops/request_context.py).
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO", "handlers": [],
                                "propagate": log_format != "json"},
        },
    }


def configure_logging(log_format: str) -> None:
    """Log every record of this process to stderr in ``log_format`` (text or json)."""
    import logging.config

    logging.config.dictConfig(handler_config(log_format))


def chosen_format(log_format: str, env: str) -> str:
    """``LOG_FORMAT`` as given, else json in production and text elsewhere.
    Raises ValueError for anything but text or json."""
    chosen = log_format or ("json" if env == "production" else "text")
    if chosen not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be text or json: {log_format!r}")
    return chosen


@dataclass(frozen=True)
class LogSettings:
    """The two settings every process's logging reads, under the names the
    web's ``Settings`` gives them (CONFERA_ENV, LOG_FORMAT): the ``confera``
    command sets logging up with them before it knows which process it runs."""

    env: str = "production"
    log_format: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LogSettings:
        names = {"env": "CONFERA_ENV", "log_format": "LOG_FORMAT"}
        return cls(**environment_values(cls, os.environ if environ is None else environ,
                                        names.__getitem__))

    @property
    def chosen(self) -> str:
        """text or json; ConfigError for anything else."""
        try:
            return chosen_format(self.log_format, self.env)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
