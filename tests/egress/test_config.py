"""EgressSettings from the environment, and `confera dev`'s egress."""

from __future__ import annotations

import types

import pytest

from app.cli import dev_egress_environment
from app.egress.config import EgressConfigError, EgressSettings

GOOD = {"WEB_URL": "http://127.0.0.1:5000/", "MEDIA_NODE_SECRET": "s" * 16,
        "STORAGE_URL": "file:///tmp/storage"}


def test_settings_come_from_the_environment() -> None:
    settings = EgressSettings.from_env({**GOOD, "EGRESS_PORT": "8000", "EGRESS_FPS": "25",
                                        "EGRESS_ID": "egress-a",
                                        "EGRESS_ICE_ADDRESSES": "127.0.0.1, 10.0.0.1"})
    assert settings.web_url == "http://127.0.0.1:5000"
    assert settings.egress_id == "egress-a"
    assert settings.control_url == "http://127.0.0.1:8000"
    assert (settings.fps, settings.ice_addresses) == (25, ("127.0.0.1", "10.0.0.1"))


@pytest.mark.parametrize(("change", "message"), [
    ({"WEB_URL": ""}, "WEB_URL"),
    ({"MEDIA_NODE_SECRET": "short"}, "MEDIA_NODE_SECRET"),
    ({"STORAGE_URL": ""}, "STORAGE_URL"),
    ({"STORAGE_URL": "ftp://x/y"}, "STORAGE_URL"),
    ({"EGRESS_FPS": "0"}, "EGRESS_FPS"),
    ({"EGRESS_FPS": "many"}, "EGRESS_FPS"),
    ({"EGRESS_ICE_SERVERS": "http://stun.example"}, "EGRESS_ICE_SERVERS"),
    ({"CONFERA_ENV": "development", "EGRESS_LISTEN_HOST": "0.0.0.0"}, "loopback"),
])
def test_bad_settings_stop_the_process_with_the_setting_named(change: dict[str, str],
                                                              message: str) -> None:
    with pytest.raises(EgressConfigError, match=message):
        EgressSettings.from_env({**GOOD, **change})


def test_the_dev_egress_port_follows_the_web_port_and_writes_to_the_webs_storage() -> None:
    web = types.SimpleNamespace(media_node_secret="m" * 32,
                                resolved_storage_url="file:///srv/instance/storage")
    first = EgressSettings.from_env(dev_egress_environment(web, 5000, {}))  # type: ignore[arg-type]
    second = EgressSettings.from_env(dev_egress_environment(web, 5100, {}))  # type: ignore[arg-type]
    assert (first.port, second.port) == (7890, 7990)
    assert first.storage_url == "file:///srv/instance/storage"
    assert first.web_url == "http://127.0.0.1:5000"
    chosen = dev_egress_environment(web, 5100, {"EGRESS_PORT": "9100"})  # type: ignore[arg-type]
    assert EgressSettings.from_env(chosen).port == 9100


def test_every_egress_setting_is_documented() -> None:
    from dataclasses import fields

    from app.egress.config import ENV_NAMES
    from tests.helpers import REPO_ROOT

    names = [ENV_NAMES.get(f.name, "EGRESS_" + f.name.upper()) for f in
             fields(EgressSettings)]
    for doc in ("README.md", "docs/egress.md"):
        text = (REPO_ROOT / doc).read_text()
        assert [name for name in names if f"`{name}`" not in text] == [], doc
