"""The pass page of a room with options (app/web/room_page.py): what each
participant's page is told to show and hide, by role."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from app.extensions import db
from app.modules.meetings import integration
from app.modules.meetings.operations import running_session
from app.modules.meetings.passes import issue_pass
from app.modules.tenants.models import Company, Tenant
from app.protocol.join_token import Role

OPTIONS = {
    "welcome_message": "Welcome to <b>%%CONFNAME%%</b>!<br>Dial %%DIALNUM%%.",
    "moderator_message": "Moderators: %%CONFNAME%% is recorded.",
    "banner_text": "Exam today", "banner_color": "#aa0000",
    "exit_url": "https://school.example/bye", "hide_chat": True, "show_names": False,
    "logo_url": "https://school.example/logo.png", "language": "de", "record": False,
    "background_color": "#102030", "mute_on_start": True,
    "lock": {"hide_user_list": True, "disable_camera": True, "disable_public_chat": True},
}


@pytest.fixture
def passes(client, make_reseller, make_company, beat) -> dict[str, Any]:
    info = make_company(make_reseller())
    beat("node-a")
    with client.application.app_context():
        row = db.session.get(Company, info["id"])
        assert row is not None
        tenant = Tenant.of(row)
        made = {}
        for external_id, options in (("exam", OPTIONS), ("plain", {})):
            room, _ = integration.integration_room(tenant, "test", external_id, title="Physics",
                                                   options=options)
            session = running_session(tenant, room)
            for role in (Role.MODERATOR, Role.ATTENDEE):
                made[external_id, role] = issue_pass(tenant, session, "Ann", role).key
        db.session.commit()
    return {"host": {"Host": info["host_name"]}, "keys": made}


def _page(client, passes, room: str, role: Role, query: str = "") -> tuple[dict[str, Any], str]:
    response = client.get(f"/conf/pass/{passes['keys'][room, role]}{query}",
                          headers=passes["host"])
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    found = re.search(r'<script id="meeting-config" type="application/json">(.*?)</script>',
                      html, re.S)
    assert found is not None
    return json.loads(found.group(1)), html


def test_the_page_shows_the_rooms_messages_banner_and_look(client, passes):
    config, html = _page(client, passes, "exam", Role.ATTENDEE)
    assert config["welcome_message"] == "Welcome to Physics!\nDial ."
    assert config["moderator_message"] is None
    assert config["after_call_url"] == "https://school.example/bye"
    assert config["language"] == "de" and '<html lang="de">' in html
    assert 'id="banner"' in html and "background: #aa0000" in html and "Exam today" in html
    assert 'src="https://school.example/logo.png"' in html
    assert "--room-background: #102030" in html
    body = re.search(r"<body class=\"([^\"]*)\"", html)
    assert body is not None
    classes = set(body.group(1).split())
    assert {"hide-chat", "hide-people", "hide-camera", "hide-names", "widescreen",
            "hide-record", "hide-chat-form"} <= classes
    assert config["recording_controls"] is False
    assert config["mic_off"] is True  # mute_on_start: the page joins muted


def test_moderators_get_their_message_and_keep_their_controls(client, passes):
    config, html = _page(client, passes, "exam", Role.MODERATOR, "?lang=fr")
    assert config["moderator_message"] == "Moderators: Physics is recorded."
    assert config["language"] == "fr"  # the URL's language wins over the room's
    assert "chat" in config["hidden_controls"]  # hide_chat is for everyone
    assert "people" not in config["hidden_controls"] and "camera" not in config[
        "hidden_controls"]
    assert "hide-chat-form" not in html  # the chat lock is for attendees


def test_a_room_without_options_gets_the_page_as_before(client, passes):
    config, html = _page(client, passes, "plain", Role.ATTENDEE)
    assert config["welcome_message"] is None and config["after_call_url"] is None
    assert config["hidden_controls"] == [] and config["recording_controls"] is True
    assert 'id="banner"' not in html and "hide-names" not in html
