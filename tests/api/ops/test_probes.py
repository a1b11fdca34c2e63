"""The web's probes, request ids and metrics rules, in process (fast); the
same through gunicorn are in test_web_process.py."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app.api.ops.metrics import dialect_of
from app.config import ConfigError, Settings
from app.logs import JsonFormatter, RequestContext, request_id, tenant_id


@pytest.mark.parametrize(("path", "dialect"), [
    ("/enterprise_api/host/get", "enterprise_api"),
    ("/bigbluebutton/api/create", "bbb"),
    ("/bigbluebutton/api", "bbb"),
    ("/api/rooms/v1/rooms", "rooms"),
    ("/api/v1/rooms/abc/join", "meeting_api"),
    ("/oauth/token", "oauth"),
    ("/internal/heartbeat", "internal"),
    ("/healthz", "probes"),
    ("/conf/call/abc", "pages"),
    ("/", "pages"),
])
def test_each_path_is_timed_under_its_dialect(path: str, dialect: str) -> None:
    assert dialect_of(path) == dialect


def test_readyz_is_503_naming_the_storage_when_it_cannot_be_written(
        app_with: Callable[..., Flask], tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    app = app_with(storage_url=f"file://{tmp_path}/a-file/storage")
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json == {"status": "unavailable", "failed": {"storage": "StorageError"}}


def test_the_storage_check_asks_s3_for_the_bucket() -> None:
    from app.storage import StorageError, check_reachable, open_storage
    from tests.s3 import running_s3

    with running_s3() as s3:
        store = open_storage("s3://ready-bucket/prefix", s3_endpoint_url=s3.endpoint_url)
        with pytest.raises(StorageError, match="ready-bucket"):
            check_reachable(store)
        s3.create_bucket("ready-bucket")
        check_reachable(store)
        per_company = open_storage("s3://absent", s3_endpoint_url=s3.endpoint_url,
                                   bucket_per_company=True)
        check_reachable(per_company)  # its buckets are made on first write


@pytest.mark.parametrize("value", ["xml", "JSON "])
def test_an_unknown_log_format_stops_the_start(settings: Settings, value: str) -> None:
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        settings.with_(log_format=value)


def test_json_is_the_log_format_of_production_and_text_elsewhere(settings: Settings) -> None:
    assert settings.chosen_log_format == "text"
    assert settings.with_(log_format="json").chosen_log_format == "json"
    production = Settings.from_env(environ={"SECRET_KEY": "s" * 20,
                                            "MEDIA_NODE_SECRET": "m" * 20})
    assert production.chosen_log_format == "json"


def test_a_json_log_record_carries_the_request_and_its_extras() -> None:
    record = logging.LogRecord("confera.test", logging.WARNING, __file__, 1, "hello %s",
                               ("you",), None)
    record.duration_ms = 1.5
    ids = request_id.set("req-1"), tenant_id.set(42)
    try:
        RequestContext().filter(record)
    finally:
        request_id.reset(ids[0])
        tenant_id.reset(ids[1])
    entry: dict[str, Any] = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "hello you"
    assert (entry["level"], entry["logger"]) == ("WARNING", "confera.test")
    assert (entry["request_id"], entry["tenant_id"], entry["duration_ms"]) == ("req-1", 42, 1.5)
    assert entry["time"].endswith("+00:00")
