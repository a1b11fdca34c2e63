"""The portal's recordings page: a host sees its own recordings with a player
and a download link (both the expiring link), deletes one with the page's
CSRF token, and nobody else's."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.modules.recordings.models import RecordingState
from tests.helpers import DEFAULT_PASSWORD
from tests.recordings import MEDIA, add_recording, stored_keys
from tests.web.portal_helpers import csrf_of

PAGE = "/portal/recordings"


@pytest.fixture
def world(app, make_reseller, make_company, make_host) -> dict[str, Any]:
    company = make_company(make_reseller())
    other = make_company(make_reseller())
    host, colleague = make_host(company), make_host(company)
    return {"company": company, "host": host, "colleague": colleague,
            "name": company["host_name"],
            "mine": add_recording(app, host),
            "audio": add_recording(app, host, audio_only=True),
            "failed": add_recording(app, host, state=RecordingState.FAILED),
            "colleagues": add_recording(app, colleague),
            "foreign": add_recording(app, make_host(other))}


def _login(client, world):
    answer = client.post("/login", data={"email": world["host"]["email"],
                                         "password": DEFAULT_PASSWORD},
                         headers={"Host": world["name"]})
    assert answer.status_code == 303


def _get(client, world, path=PAGE):
    return client.get(path, headers={"Host": world["name"]})


def _delete(client, world, recording_id, csrf):
    data = {"csrf_token": csrf} if csrf is not None else {}
    return client.post(f"{PAGE}/{recording_id}/delete", data=data,
                       headers={"Host": world["name"]})


def test_strangers_are_sent_to_login(client, world):
    answer = _get(client, world)
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/login?next=")


def test_the_page_plays_and_offers_the_hosts_own_recordings(client, world):
    _login(client, world)
    answer = _get(client, world)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    page = answer.get_data(as_text=True)
    assert 'aria-current="page">Recordings' in page
    for own in ("mine", "audio", "failed"):
        assert f'id="recording-{world[own]}"' in page
    for others in ("colleagues", "foreign"):
        assert world[others] not in page

    video = re.search(r'<video[^>]* src="([^"]+)"', page).group(1).replace("&amp;", "&")
    audio = re.search(r'<audio[^>]* src="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert video.endswith("/recording.mp4") and audio.endswith("/recording.m4a")
    assert f'href="{video}" download' in page.replace("&amp;", "&")
    for link in (video, audio):
        parts = urlsplit(link)
        assert parts.hostname == world["name"]
        media = client.get(parts.path, headers={"Host": parts.hostname})
        assert media.status_code == 200 and media.data == MEDIA
    assert 'data-state="failed"' in page


def test_deleting_needs_the_pages_csrf_token(app, client, world, snapshot):
    _login(client, world)
    page = _get(client, world).get_data(as_text=True)
    before = snapshot()
    for csrf in (None, "wrong"):
        assert _delete(client, world, world["mine"], csrf).status_code == 400
    assert snapshot() == before and stored_keys(app, world["mine"])

    answer = _delete(client, world, world["mine"], csrf_of(page))
    assert answer.status_code == 303 and answer.headers["Location"] == f"{PAGE}?deleted=1"
    assert stored_keys(app, world["mine"]) == []
    page = _get(client, world, f"{PAGE}?deleted=1").get_data(as_text=True)
    assert 'id="deleted"' in page and world["mine"] not in page


@pytest.mark.parametrize(("whose", "status"), [("colleagues", 403), ("foreign", 404),
                                               ("nothing", 404)])
def test_deleting_what_is_not_the_hosts_changes_nothing(app, client, world, snapshot,
                                                        whose, status):
    _login(client, world)
    csrf = csrf_of(_get(client, world).get_data(as_text=True))
    before = snapshot()
    answer = _delete(client, world, world.get(whose, "nothing"), csrf)
    assert answer.status_code == status
    assert snapshot() == before


@pytest.mark.parametrize("page", ["0", "-1", "x", "99999999999"])
def test_a_bad_page_number_shows_the_first_page(client, world, page):
    _login(client, world)
    answer = _get(client, world, f"{PAGE}?page={page}")
    assert answer.status_code == 200 and world["mine"] in answer.get_data(as_text=True)
