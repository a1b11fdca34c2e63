"""Recordings for an integrator (recordings.integration) and their text
tracks (recordings.text_tracks): metadata copied from the room when
recording begins and updated later, the company scope, and that an
unpublished recording plays for nobody (no link, and a link handed out
before no longer serves the file, on the portal too)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.errors import Conflict, ValidationFailed
from app.extensions import db, settings
from app.modules.meetings.integration import integration_room
from app.modules.recordings import integration, text_tracks
from app.modules.recordings.models import Recording, RecordingState, TextTrack
from app.modules.recordings.operations import playable
from app.modules.tenants.models import Company, Tenant
from app.storage import storage_for
from tests.helpers import DEFAULT_PASSWORD
from tests.recordings import add_recording

VTT = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n"


@pytest.fixture
def place(app: Flask, make_reseller: Any, make_company: Any, make_host: Any) -> dict[str, Any]:
    """A company's integration room "r1" (meta term=Fall), recorded once."""
    company = make_company(make_reseller())
    host = make_host(company)
    with app.app_context():
        tenant = Tenant.of(db.session.get_one(Company, company["id"]))
        room, _ = integration_room(tenant, "bbb", "r1", title="R1", meta={"term": "Fall"})
        db.session.commit()
        room_id = room.id
    return {"company": company, "host": host, "room_id": room_id,
            "recording": add_recording(app, host, room_id=room_id)}


def tenant_of(company: dict[str, Any]) -> Tenant:
    return Tenant.of(db.session.get_one(Company, company["id"]))


def row(public_id: str) -> Recording:
    return db.session.execute(sa.select(Recording).where(
        Recording.public_id == public_id)).scalar_one()


def test_a_recording_keeps_the_rooms_meta_of_when_it_began(ctx: None, place: dict[str, Any]
                                                           ) -> None:
    tenant = tenant_of(place["company"])
    recording = row(place["recording"])
    assert recording.meta == {"term": "Fall"}
    integration.update_recording_meta(tenant, [recording], {"term": "Winter", "x": "1"})
    integration.update_recording_meta(tenant, [recording], {"x": ""})
    db.session.commit()
    assert row(place["recording"]).meta == {"term": "Winter"}
    [found] = integration.find_recordings(tenant, "bbb", integration.RecordingQuery(
        meta={"term": "Winter"}))
    assert (found.external_id, found.title, found.record.recording_id) == (
        "r1", "R1", place["recording"])


def test_another_company_finds_nothing(ctx: None, place: dict[str, Any], make_reseller: Any,
                                       make_company: Any) -> None:
    stranger = tenant_of(make_company(make_reseller()))
    assert integration.recordings_by_id(stranger, "bbb", [place["recording"]]) == []
    assert integration.find_recordings(stranger, "bbb", integration.RecordingQuery(
        id_prefixes=[place["recording"]])) == []
    assert integration.find_recordings(tenant_of(place["company"]), "rooms",
                                       integration.RecordingQuery()) == []


def test_a_recording_being_made_is_not_deleted(app: Flask, ctx: None,
                                               place: dict[str, Any]) -> None:
    busy = add_recording(app, place["host"], room_id=place["room_id"],
                         state=RecordingState.PROCESSING)
    tenant = tenant_of(place["company"])
    with pytest.raises(Conflict):
        integration.delete_recordings(tenant, [row(busy)])


def test_an_unpublished_recordings_file_is_not_served_even_by_an_earlier_link(
        app: Flask, client: FlaskClient, place: dict[str, Any]) -> None:
    host_name = place["company"]["host_name"]
    own = add_recording(app, place["host"])  # of the host's own room: on its portal
    assert client.post("/login", data={"email": place["host"]["email"],
                                       "password": DEFAULT_PASSWORD},
                       headers={"Host": host_name}).status_code == 303
    page = client.get("/portal/recordings", headers={"Host": host_name}).get_data(as_text=True)
    link = re.search(r'<video[^>]* src="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    path = link.split(host_name, 1)[1].replace("&amp;", "&")
    assert client.get(path, headers={"Host": host_name}).status_code == 200
    with app.app_context():
        integration.publish_recordings(tenant_of(place["company"]), [row(own)], False)
        db.session.commit()
        assert not playable(path.split("/", 4)[4])
    assert client.get(path, headers={"Host": host_name}).status_code == 404
    page = client.get("/portal/recordings", headers={"Host": host_name}).get_data(as_text=True)
    assert "<video" not in page and "unpublished" in page


def test_text_tracks_are_stored_replaced_and_deleted(ctx: None, place: dict[str, Any]) -> None:
    tenant, recording = tenant_of(place["company"]), row(place["recording"])
    assert text_tracks.put_text_track(tenant, recording, "subtitles", "en", None, VTT)
    assert text_tracks.put_text_track(tenant, recording, "subtitles", "en", "Mine", VTT + b"x")
    [track] = text_tracks.text_tracks(tenant, recording)
    assert (track.label, track.source) == ("Mine", "upload")
    key = f"{recording.company_id}/tracks/{recording.public_id}/subtitles_en.vtt"
    assert storage_for(settings()).read(key) == VTT + b"x"
    assert text_tracks.put_text_track(tenant, recording, "subtitles", "en", None, None)
    assert text_tracks.text_tracks(tenant, recording) == []
    assert storage_for(settings()).list(
        f"{recording.company_id}/tracks/{recording.public_id}/") == []
    assert db.session.query(TextTrack).count() == 0


@pytest.mark.parametrize(("kind", "lang", "content", "field"), [
    ("chapters", "en", VTT, "kind"), ("subtitles", "en_US!", VTT, "lang"),
    ("subtitles", "en", b"\n \n", "file"),
])
def test_a_refused_track_names_its_field(ctx: None, place: dict[str, Any], kind: str,
                                         lang: str, content: bytes, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        text_tracks.put_text_track(tenant_of(place["company"]), row(place["recording"]), kind,
                                   lang, None, content)
    assert list(refused.value.errors) == [field]


def test_srt_becomes_webvtt_and_anything_else_is_none() -> None:
    converted = text_tracks.as_webvtt(b"1\n00:00:01,000 --> 00:00:02,000\nHi\n")
    assert converted == "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n"
    assert text_tracks.as_webvtt(VTT) == VTT.decode()
    assert text_tracks.as_webvtt(b"hello world") is None
    assert text_tracks.as_webvtt(b"WEBVTT\n\n") is None


def test_deleting_a_recording_deletes_its_tracks(ctx: None, place: dict[str, Any]) -> None:
    tenant, recording = tenant_of(place["company"]), row(place["recording"])
    text_tracks.put_text_track(tenant, recording, "captions", "fr", None, VTT)
    integration.delete_recordings(tenant, [recording])
    db.session.commit()
    storage = storage_for(settings())
    assert storage.list(recording.storage_prefix + "/") == []
    assert storage.list(f"{recording.company_id}/tracks/{recording.public_id}/") == []
    assert row(place["recording"]).state is RecordingState.DELETED
