"""/livestream/<code>: the player page, its status and its live playlist,
whose segment lines become storage links (here the local folder's signed
/files/ links, which the web serves; on S3 presigned URLs)."""

from __future__ import annotations

import httpx
import pytest

from app.extensions import settings as current_settings
from app.protocol import egress_api
from app.protocol.egress_api import OutputState
from app.storage import storage_for
from tests.modules.outputs.test_outputs import outputs
from tests.s3 import running_s3

PLAYLIST = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:7
#EXTINF:2.000,
7.ts
#EXTINF:2.000,
8.ts
"""


@pytest.fixture
def live(app, act, meeting, fake_egress, egress_beat):
    """A started live stream of the meeting's room; write(name, data) stores its files."""
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    assert act("start_live").status_code == 200
    [output] = outputs(app)

    def write(name: str, data: bytes) -> None:
        with app.app_context():
            storage_for(current_settings()).put_bytes(f"{output.storage_prefix}/{name}", data,
                                                      "application/octet-stream")

    return {"output": output, "write": write, "code": meeting["host"]["access_code"],
            "host_name": meeting["host_name"]}


def get(client, place, path: str):
    return client.get(f"/livestream/{place['code']}{path}", headers={"Host": place["host_name"]})


def test_not_live_until_the_playlist_is_written_then_live(client, live):
    assert get(client, live, "/status").json == {"state": "not_live", "reason": ""}
    answer = get(client, live, "/live.m3u8")
    assert answer.status_code == 409
    live["write"]("live.m3u8", PLAYLIST.encode())
    answer = get(client, live, "/status")
    assert answer.json == {"state": "live", "reason": ""}
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_playlist_points_every_segment_to_a_storage_link_that_downloads_it(client, live):
    live["write"]("live.m3u8", PLAYLIST.encode())
    live["write"]("7.ts", b"segment seven")
    answer = get(client, live, "/live.m3u8")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert answer.headers["Cache-Control"] == "no-cache"
    lines = answer.get_data(as_text=True).splitlines()
    assert [line for line in lines if line.startswith("#")] == \
        [line for line in PLAYLIST.splitlines() if line.startswith("#")]
    segments = [line for line in lines if not line.startswith("#")]
    prefix = live["output"].storage_prefix
    assert len(segments) == 2
    assert all(s.startswith("/files/") and s.endswith(f"{prefix}/{n}.ts")
               for s, n in zip(segments, (7, 8), strict=True))
    segment = client.get(segments[0], headers={"Host": live["host_name"]})
    assert segment.status_code == 200 and segment.data == b"segment seven"


@pytest.mark.parametrize("line", ["http://evil.test/x.ts", "/etc/passwd", "../other/1.ts"])
def test_a_playlist_naming_a_foreign_segment_is_not_served(client, live, line):
    live["write"]("live.m3u8", (PLAYLIST + "#EXTINF:2.000,\n" + line + "\n").encode())
    assert get(client, live, "/live.m3u8").status_code == 409


def test_a_stopped_or_failed_stream_is_ended(client, live, fake_egress, egress_events):
    live["write"]("live.m3u8", PLAYLIST.encode())
    egress_events(fake_egress.egress_id, egress_api.OutputEvent(
        session_id="s", output_id=live["output"].public_id, kind=egress_api.OutputKind.HLS,
        state=OutputState.FAILED, at=1.9e9, reason="encoder crashed"))
    assert get(client, live, "/status").json == {"state": "ended", "reason": "encoder crashed"}


def test_the_page_is_branded_embeddable_where_the_meeting_page_is_and_loads_hls_js(client,
                                                                                  live):
    answer = get(client, live, "")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "/static/livestream/node_modules/hls.js/dist/hls.min.js" in html
    assert 'data-state="not_live"' in html
    policy = answer.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy and "script-src 'self'" in policy
    script = client.get("/static/livestream/node_modules/hls.js/dist/hls.min.js")
    assert script.status_code == 200 and b"Hls" in script.data


def test_unknown_rooms_and_host_names_are_404(client, live, make_reseller, make_company):
    for path in ("", "/status", "/live.m3u8"):
        assert client.get(f"/livestream/99999999{path}",
                          headers={"Host": live["host_name"]}).status_code == 404
        assert client.get(f"/livestream/abc{path}",
                          headers={"Host": live["host_name"]}).status_code == 404
    other = make_company(make_reseller())
    assert client.get(f"/livestream/{live['code']}",
                      headers={"Host": other["host_name"]}).status_code == 404


def test_a_room_never_streamed_is_not_live(client, make_reseller, make_company, make_host):
    company = make_company(make_reseller())
    host = make_host(company)
    place = {"code": host["access_code"], "host_name": company["host_name"]}
    assert get(client, place, "/status").json == {"state": "not_live", "reason": ""}
    assert get(client, place, "").status_code == 200


def test_on_s3_the_playlist_hands_out_presigned_links_that_download(app_with, live):
    """Viewers fetch segments from S3 (or its CDN) itself: the web only rewrites
    the playlist. S3 here is moto's server on loopback."""
    with running_s3() as s3:
        s3.create_bucket("media")
        s3_app = app_with(storage_url="s3://media/confera", s3_endpoint_url=s3.endpoint_url)
        prefix = live["output"].storage_prefix
        with s3_app.app_context():
            store = storage_for(current_settings())
            store.put_bytes(f"{prefix}/7.ts", b"segment seven", "video/mp2t")
            store.put_bytes(f"{prefix}/live.m3u8", PLAYLIST.encode(),
                            "application/vnd.apple.mpegurl")
        answer = s3_app.test_client().get(f"/livestream/{live['code']}/live.m3u8",
                                          headers={"Host": live["host_name"]})
        assert answer.status_code == 200
        segments = [line for line in answer.get_data(as_text=True).splitlines()
                    if line and not line.startswith("#")]
        assert all(s.startswith(f"{s3.endpoint_url}/media/confera/{prefix}/") and
                   "Signature=" in s for s in segments), segments
        downloaded = httpx.get(segments[0])
        assert downloaded.status_code == 200 and downloaded.content == b"segment seven"
