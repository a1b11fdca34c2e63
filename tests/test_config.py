from __future__ import annotations

from dataclasses import fields

import pytest

from app.config import ENV_NAMES, ConfigError, Settings
from tests.helpers import REPO_ROOT


@pytest.fixture
def dev(tmp_path):
    """The environment of a development machine: chosen explicitly, with its own
    instance folder (where its secrets are generated)."""
    return {"CONFERA_ENV": "development", "CONFERA_INSTANCE_PATH": str(tmp_path)}


def test_every_setting_has_a_working_default_in_development(tmp_path, dev):
    settings = Settings.from_env(environ=dev)
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path}/confera.db"
    assert settings.resolved_storage_url == f"file://{tmp_path}/storage"
    assert settings.outbox_path == tmp_path / "outbox"


def test_development_generates_its_secrets_once_and_keeps_them(tmp_path, dev):
    first = Settings.from_env(environ=dev)
    again = Settings.from_env(environ=dev)
    assert len(first.secret_key) >= 32 and len(first.media_node_secret) >= 32
    assert first.secret_key != first.media_node_secret
    assert (again.secret_key, again.media_node_secret) == \
        (first.secret_key, first.media_node_secret)
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600
    other = Settings.from_env(environ={**dev, "CONFERA_INSTANCE_PATH": str(tmp_path / "b")})
    assert other.secret_key != first.secret_key  # nothing shared: no secret in the code
    given = Settings.from_env(environ={**dev, "SECRET_KEY": "g" * 32})
    assert given.secret_key == "g" * 32


def test_without_a_choice_it_is_production_and_needs_real_secrets(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY must be set in production"):
        Settings.from_env(environ={"CONFERA_INSTANCE_PATH": str(tmp_path)})
    assert not (tmp_path / "secrets.json").exists()


def test_every_setting_is_documented_in_the_readme():
    readme = (REPO_ROOT / "README.md").read_text()
    names = [ENV_NAMES.get(f.name, f.name.upper()) for f in fields(Settings)]
    assert [name for name in names if f"`{name}`" not in readme] == []


def test_environment_overrides_defaults(dev):
    settings = Settings.from_env(environ={**dev,
        "DATABASE_URL": "postgres://u@db/confera", "PORT": "8080", "SECRET_KEY": "x" * 32,
        "SMTP_URL": "smtp://mail:2525", "API_TOKEN_TTL_DAYS": "7",
    })
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@db/confera"
    assert settings.port == 8080 and settings.api_token_ttl_days == 7


@pytest.mark.parametrize(("environ", "message"), [
    ({"CONFERA_ENV": "production"}, "SECRET_KEY must be set"),
    ({"CONFERA_ENV": "production", "SECRET_KEY": "s" * 40}, "MEDIA_NODE_SECRET must be set"),
    ({"MEDIA_NODE_SECRET": "short"}, "MEDIA_NODE_SECRET must be at least 16"),
    ({"MEDIA_NODE_DEAD_AFTER_SECONDS": "1"}, "must exceed"),
    ({"SECRET_KEY": "short"}, "at least 16"),
    ({"PORT": "eighty"}, "PORT must be a number"),
    ({"PUBLIC_SCHEME": "ftp"}, "PUBLIC_SCHEME"),
    ({"SMTP_URL": "http://mail"}, "SMTP_URL"),
    ({"STORAGE_URL": "gs://bucket"}, "STORAGE_URL"),
    ({"STORAGE_URL": "file://relative/path"}, "STORAGE_URL: file:// needs an absolute path"),
    ({"STORAGE_URL": "s3:///prefix"}, "STORAGE_URL: s3:// needs a bucket"),
    ({"STORAGE_LINK_SECONDS": "10"}, "STORAGE_LINK_SECONDS"),
    ({"STORAGE_BUCKET_PER_COMPANY": "maybe"}, "STORAGE_BUCKET_PER_COMPANY"),
    ({"CONFERA_ENV": "staging"}, "CONFERA_ENV"),
    ({"MEETING_RECONNECT_SECONDS": "0"}, "MEETING_RECONNECT_SECONDS"),
])
def test_bad_settings_stop_the_start(dev, environ, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(environ={**dev, **environ})


def test_production_accepts_a_real_secret():
    settings = Settings.from_env(environ={"CONFERA_ENV": "production", "SECRET_KEY": "s" * 40,
                                          "MEDIA_NODE_SECRET": "m" * 40})
    assert (settings.secret_key, settings.media_node_secret) == ("s" * 40, "m" * 40)


def test_the_web_and_a_media_node_read_the_environment_alike(dev):
    from app.sfu.config import NodeConfigError, NodeSettings

    urls = "stun:stun.example:3478, turn:turn.example"
    web = Settings.from_env({**dev, "ICE_SERVERS": urls})
    node = NodeSettings.from_env({"SFU_ICE_SERVERS": urls, "SFU_JOIN_TOKEN_PUBLIC_KEY": "k"})
    assert web.ice_servers == node.ice_servers == ("stun:stun.example:3478",
                                                   "turn:turn.example")
    with pytest.raises(ConfigError, match="PORT must be a number"):
        Settings.from_env({**dev, "PORT": "eighty"})
    with pytest.raises(NodeConfigError, match="SFU_PORT must be a number"):
        NodeSettings.from_env({"SFU_PORT": "eighty", "SFU_JOIN_TOKEN_PUBLIC_KEY": "k"})
    with pytest.raises(ConfigError, match="ICE_SERVERS"):
        Settings.from_env({**dev, "ICE_SERVERS": "http://not-ice.example"})


@pytest.mark.parametrize(("environ", "message"), [
    ({"WEB_URL": "http://web", "MEDIA_NODE_SECRET": "short"}, "at least 16"),
    ({"WEB_URL": "http://web"}, "MEDIA_NODE_SECRET"),
    ({"CONFERA_ENV": "development", "SFU_LISTEN_HOST": "0.0.0.0",
      "SFU_JOIN_TOKEN_PUBLIC_KEY": "k"}, "loopback only"),
])
def test_a_media_node_refuses_to_start_without_real_secrets_or_off_loopback_in_development(
        environ, message):
    from app.sfu.config import NodeConfigError, NodeSettings

    with pytest.raises(NodeConfigError, match=message):
        NodeSettings.from_env(environ)


@pytest.mark.postgres_only
def test_the_database_pool_is_sized_from_the_settings(settings):
    from app.extensions import db
    from app.factory import create_app

    app = create_app(settings.with_(database_pool_size=3, database_max_overflow=2))
    with app.app_context():
        pool = db.engine.pool
        assert (pool.size(), pool._max_overflow) == (3, 2)  # type: ignore[attr-defined]
        db.engine.dispose()
