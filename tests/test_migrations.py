"""Migrations are the schema: they build exactly what the models describe,
and they run down and up again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.config import Settings
from app.core import migrations
from app.core.db import Model
from app.extensions import db
from app.factory import create_app
from tests.helpers import BACKEND, PG_ADMIN_URL


@pytest.fixture
def empty_database(tmp_path) -> Iterator[str]:
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"confera_mig_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrations_build_what_the_models_describe_and_run_both_ways(
    empty_database, settings: Settings
):
    app = create_app(settings.with_(database_url=empty_database))
    with app.app_context():
        migrations.upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Model.metadata)
        assert diff == []
        migrations.downgrade("base")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        migrations.upgrade()
        with db.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
        assert {t.name for t in Model.metadata.sorted_tables} <= tables
        db.engine.dispose()


def test_migration_files_follow_the_naming_rule():
    import re

    names = [p.name for p in migrations.MIGRATIONS_DIR.joinpath("versions").glob("*.py")]
    assert names
    for name in names:
        assert re.fullmatch(r"\d{8}_\d{4}_[0-9a-f]{12}_[a-z0-9_]+\.py", name), name


def test_moderator_pins_written_before_encryption_are_encrypted_and_come_back(
    empty_database, settings: Settings
):
    app = create_app(settings.with_(database_url=empty_database))
    now = "2026-11-23 10:00:00+00:00"
    with app.app_context():
        migrations.upgrade("7e1b9c3a5d20")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO resellers (id, name, domain, branding, created_at) "
                "VALUES (1, 'R', 'r.example', '{}', :now)"), {"now": now})
            conn.execute(sa.text(
                "INSERT INTO companies (id, reseller_id, subdomain, name, openid_provider, "
                "embed_origins, branding, is_admin_company, active, created_at) "
                "VALUES (1, 1, 'c', 'C', false, '[]', '{}', false, true, :now)"), {"now": now})
            conn.execute(sa.text(
                "INSERT INTO hosts (id, company_id, reseller_id, name, email, role, access_code, "
                "moderator_pin, login_token_public_key, subscription_ids, created_at) "
                "VALUES (1, 1, 1, 'H', 'h@c.example', 'HOST', '1234567', '4321', 'k', '[]', "
                ":now)"), {"now": now})

        def raw_pin() -> str:
            with db.engine.connect() as conn:
                return str(conn.execute(sa.text("SELECT moderator_pin FROM hosts")).scalar())

        migrations.upgrade()
        assert raw_pin() != "4321"
        from app.modules.hosts.models import Host
        assert db.session.execute(sa.select(Host.moderator_pin)).scalar() == "4321"
        db.session.remove()
        migrations.downgrade("7e1b9c3a5d20")
        assert raw_pin() == "4321"
        db.engine.dispose()


def test_stored_embed_origins_are_made_strict_or_dropped(empty_database, settings: Settings,
                                                          caplog):
    """Issue S, item 4: values stored before origins were checked strictly."""
    import json
    import logging

    app = create_app(settings.with_(database_url=empty_database))
    stored = ["https://x.test; script-src 'none'", "https://*", "https://Shop.Example:443/",
              "https://bücher.example", "https://x\u0001y.test", "https://shop.example",
              "http://ok.example:8080"]
    with app.app_context():
        migrations.upgrade("5d2e8a4f7b31")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO resellers (id, name, domain, branding, created_at) "
                "VALUES (1, 'R', 'r.example', '{}', '2026-12-01 10:00:00+00:00')"))
            for company_id, origins in ((1, stored), (2, ["https://fine.example"])):
                conn.execute(sa.text(
                    "INSERT INTO companies (id, reseller_id, subdomain, name, openid_provider, "
                    "embed_origins, branding, meeting_defaults, is_admin_company, active, "
                    "created_at) VALUES (:id, 1, :sub, 'C', false, :origins, '{}', '{}', "
                    "false, true, '2026-12-01 10:00:00+00:00')"),
                    {"id": company_id, "sub": f"c{company_id}", "origins": json.dumps(origins)})
        with caplog.at_level(logging.WARNING, logger="alembic.runtime.migration"):
            migrations.upgrade("8d5e728de975")
        with db.engine.connect() as conn:
            rows = dict(conn.execute(sa.text("SELECT id, embed_origins FROM companies")).all())
        origins = {key: json.loads(value) if isinstance(value, str) else value
                   for key, value in rows.items()}
        assert origins == {1: ["https://shop.example", "https://xn--bcher-kva.example",
                               "http://ok.example:8080"],
                           2: ["https://fine.example"]}
        logged = caplog.text
        assert "script-src" in logged and "dropped" in logged and "company 2" not in logged
        db.engine.dispose()


def test_scheduled_rooms_get_their_conferences_moderators(empty_database, settings: Settings):
    """7c3b9e1d5a26: rooms scheduled before it admit, by invitation, the
    moderators their conference invited, and nobody else."""
    from datetime import timedelta

    from app.core.db import utcnow
    from app.modules.access import HostRole
    from app.modules.conferences.models import Conference, ConferenceInvitee
    from app.modules.hosts.models import Host
    from app.modules.meetings.models import Room
    from app.modules.tenants.operations import create_reseller

    app = create_app(settings.with_(database_url=empty_database))
    with app.app_context():
        migrations.upgrade()
        tenant = create_reseller("R", "r.example")
        host = Host(company_id=tenant.id, reseller_id=tenant.reseller_id, name="H",
                    email="h@r.example", role=HostRole.HOST, access_code="5550001",
                    moderator_pin="123456", login_token_public_key="k")
        rooms = [Room(company_id=tenant.id, organizer=host) for _ in range(2)]
        start = utcnow() + timedelta(days=1)
        conference = Conference(company_id=tenant.id, host=host, room=rooms[0], subject="S",
                                time_zone="UTC", start_at=start, end_at=start,
                                duration_minutes=30)
        conference.invitees = [ConferenceInvitee(email=email, moderator=moderator)
                               for email, moderator in (("Chair@X.example", True),
                                                        ("b@x.example", True),
                                                        ("guest@x.example", False))]
        db.session.add_all([host, *rooms, conference])
        db.session.commit()
        migrations.downgrade("e5a4b7c9d1f3")
        migrations.upgrade()
        emails = dict(db.session.execute(sa.select(Room.id, Room.moderator_emails)).all())
        assert emails == {rooms[0].id: ["b@x.example", "chair@x.example"], rooms[1].id: []}
        db.session.remove()
        db.engine.dispose()
