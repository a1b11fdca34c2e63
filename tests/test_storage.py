"""Storage (app/storage.py) over both backends: a local folder and S3 (moto's
server on loopback), and the web's signed links to the local folder
(app/web/files.py)."""

from __future__ import annotations

import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.extensions import settings as app_settings
from app.storage import (
    LinkCheck,
    LocalStorage,
    S3Storage,
    StorageError,
    check_link,
    link_signature,
    open_storage,
    storage_for,
)
from tests.s3 import S3Server, running_s3

BACKENDS = ("local", "s3", "s3-bucket-per-company")


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with running_s3() as server:
        yield server


@pytest.fixture(params=BACKENDS)
def storage(request, tmp_path: Path, s3: S3Server) -> LocalStorage | S3Storage:
    if request.param == "local":
        return open_storage(f"file://{tmp_path}/storage", secret_key="k" * 32)
    bucket = f"b{uuid.uuid4().hex[:10]}"
    if request.param == "s3":
        s3.create_bucket(bucket)
    return open_storage(f"s3://{bucket}/some/prefix", s3_endpoint_url=s3.endpoint_url,
                        bucket_per_company=request.param == "s3-bucket-per-company")


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:  # a real HTTP GET
        return bytes(answer.read())


def test_objects_are_written_read_sized_listed_and_deleted(storage, tmp_path):
    storage.put_bytes("7/live/a/live.m3u8", b"#EXTM3U\n", "application/vnd.apple.mpegurl")
    storage.put_bytes("7/live/a/0.ts", b"x" * 10, "video/mp2t")
    source = tmp_path / "file.mp4"
    source.write_bytes(b"m" * 3000)
    storage.put_file("7/recordings/r/recording.mp4", source, "video/mp4")
    storage.put_bytes("7/recordings/r2/recording.mp4", b"other", "video/mp4")

    assert storage.read("7/live/a/0.ts") == b"x" * 10
    assert storage.size("7/recordings/r/recording.mp4") == 3000
    assert storage.size("7/recordings/r/nothing.mp4") is None
    assert storage.list("7/live/a/") == ["7/live/a/0.ts", "7/live/a/live.m3u8"]
    assert storage.list("7/recordings/r") == ["7/recordings/r/recording.mp4",
                                              "7/recordings/r2/recording.mp4"]
    assert storage.list("7/") == sorted(storage.list("7/"))
    assert len(storage.list("7/")) == 4
    assert storage.list("8/") == []
    with pytest.raises(KeyError):
        storage.read("7/live/a/1.ts")

    storage.put_bytes("7/live/a/0.ts", b"replaced", "video/mp2t")  # overwriting is allowed
    assert storage.read("7/live/a/0.ts") == b"replaced"

    storage.delete_prefix("7/recordings/r/")
    assert storage.list("7/") == ["7/live/a/0.ts", "7/live/a/live.m3u8",
                                  "7/recordings/r2/recording.mp4"]
    storage.delete_prefix("7/live/a/")
    storage.delete_prefix("7/live/nothing/")  # deleting nothing is fine
    assert storage.list("7/") == ["7/recordings/r2/recording.mp4"]


@pytest.mark.parametrize("key", ["../etc/passwd", "7/../8/x", "/7/abs", "7\\x", "7/./x",
                                 "7//x", "", "7/x/", "7/.hidden", "7/ünï", "7/a b",
                                 "7/line\nbreak"])
def test_keys_that_could_leave_their_place_are_refused(storage, key):
    for attempt in (lambda: storage.put_bytes(key, b"x", "text/plain"),
                    lambda: storage.read(key), lambda: storage.size(key),
                    lambda: storage.url(key, 60)):
        with pytest.raises(StorageError):
            attempt()
    with pytest.raises(StorageError):
        storage.delete_prefix("../")
    with pytest.raises(StorageError):
        storage.delete_prefix("")  # never the whole storage


@pytest.mark.parametrize("backend", ["s3", "s3-bucket-per-company"])
def test_a_presigned_link_downloads_the_object(s3, backend):
    bucket = f"b{uuid.uuid4().hex[:10]}"
    if backend == "s3":
        s3.create_bucket(bucket)
    storage = open_storage(f"s3://{bucket}", s3_endpoint_url=s3.endpoint_url,
                           bucket_per_company=backend != "s3")
    storage.put_bytes("7/recordings/r/recording.mp4", b"the recording", "video/mp4")
    url = storage.url("7/recordings/r/recording.mp4", 60)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url
    assert _download(url) == b"the recording"
    # (S3 itself checks the signature and expiry; moto does not, so not here.)
    if backend != "s3":  # the company's own bucket, made on first write
        assert f"{bucket}-7" in s3.buckets() and bucket not in s3.buckets()


def test_local_writes_leave_no_temporary_files(tmp_path):
    storage = open_storage(f"file://{tmp_path}", secret_key="k")
    for n in range(3):
        storage.put_bytes("1/live/x/live.m3u8", str(n).encode(), "text/plain")
    assert [p.name for p in (tmp_path / "1/live/x").iterdir()] == ["live.m3u8"]
    (tmp_path / "1/live/x/.abc.tmp").write_bytes(b"half")  # a write in progress
    assert storage.list("1/") == ["1/live/x/live.m3u8"]
    (tmp_path / "1/live/x/.abc.tmp").unlink()
    storage.delete_prefix("1/live/x/")
    assert not (tmp_path / "1/live").exists()  # emptied directories go too


@pytest.mark.parametrize("url", ["file://relative/path", "ftp://x/y", "s3://", "/abs/path",
                                 "file://otherhost/abs"])
def test_storage_urls_that_name_nothing_usable_are_refused(url):
    with pytest.raises(StorageError):
        open_storage(url)


def test_a_link_signature_covers_the_expiry_and_the_directory():
    expires = int(time.time()) + 60
    signature = link_signature("secret", "7/live/a/live.m3u8", expires)
    assert check_link("secret", str(expires), signature, "7/live/a/live.m3u8") is LinkCheck.OK
    # The playlist's relative segments validate with the playlist's link ...
    assert check_link("secret", str(expires), signature, "7/live/a/12.ts") is LinkCheck.OK
    # ... nothing in another directory, with another expiry or another key does.
    assert check_link("secret", str(expires), signature, "7/live/b/12.ts") is LinkCheck.BAD
    assert check_link("secret", str(expires), signature, "7/live/a/sub/1.ts") is LinkCheck.BAD
    assert check_link("secret", str(expires + 1), signature, "7/live/a/1.ts") is LinkCheck.BAD
    assert check_link("other", str(expires), signature, "7/live/a/1.ts") is LinkCheck.BAD
    assert check_link("secret", "x", signature, "7/live/a/1.ts") is LinkCheck.BAD
    assert check_link("secret", str(expires), signature, "7/../a/1.ts") is LinkCheck.BAD
    assert check_link("secret", str(expires), signature, "7/live/a/1.ts",
                      now=expires + 1) is LinkCheck.EXPIRED


# --- the web's file route for the local folder -----------------------------------------

@pytest.fixture
def company(make_reseller, make_company):
    return make_company(make_reseller())


@pytest.fixture
def local(app):
    with app.app_context():
        return storage_for(app_settings())


def _get(client, link: str, host_name: str, **headers: str):
    return client.get(link, headers={"Host": host_name, **headers})


def test_a_signed_link_serves_the_file_with_its_type_and_caching(client, company, local):
    key = f"{company['id']}/live/l1/live.m3u8"
    local.put_bytes(key, b"#EXTM3U\n#EXTINF:2,\n0.ts\n", "application/vnd.apple.mpegurl")
    local.put_bytes(f"{company['id']}/live/l1/0.ts", b"T" * 1000, "video/mp2t")
    local.put_bytes(f"{company['id']}/snapshots/r/recording.mp4", b"M" * 5000, "video/mp4")
    link = local.url(key, 600)
    assert link.startswith("/files/")

    playlist = _get(client, link, company["host_name"])
    assert playlist.status_code == 200 and playlist.data.startswith(b"#EXTM3U")
    assert playlist.mimetype == "application/vnd.apple.mpegurl"
    assert playlist.headers["Cache-Control"] == "no-cache"

    # The player resolves the playlist's relative "0.ts" against the link.
    segment = _get(client, link.rsplit("/", 1)[0] + "/0.ts", company["host_name"])
    assert segment.status_code == 200 and segment.mimetype == "video/mp2t"
    assert segment.headers["Cache-Control"].startswith("public, max-age=")
    assert "immutable" in segment.headers["Cache-Control"]

    recording = local.url(f"{company['id']}/snapshots/r/recording.mp4", 600)
    part = _get(client, recording, company["host_name"], Range="bytes=100-199")
    assert part.status_code == 206 and part.data == b"M" * 100
    assert part.headers["Content-Range"] == "bytes 100-199/5000"
    assert part.mimetype == "video/mp4"
    assert part.headers["Cache-Control"].startswith("private, max-age=")


def test_with_s3_storage_the_web_serves_no_files(app_with, company, s3):
    s3.create_bucket("served-by-s3")
    s3_app = app_with(storage_url="s3://served-by-s3", s3_endpoint_url=s3.endpoint_url)
    with s3_app.app_context():
        secret = app_settings().secret_key
    key = f"{company['id']}/snapshots/r/recording.mp4"
    expires = int(time.time()) + 60
    link = f"/files/{expires}/{link_signature(secret, key, expires)}/{key}"
    answer = s3_app.test_client().get(link, headers={"Host": company["host_name"]})
    assert answer.status_code == 404


def test_tampered_expired_foreign_and_missing_links_are_refused(
        client, company, local, make_reseller, make_company, app):
    other = make_company(make_reseller())
    key = f"{company['id']}/snapshots/r/recording.mp4"
    local.put_bytes(key, b"M" * 10, "video/mp4")
    link = local.url(key, 600)
    _, _, expires, signature, _ = link.split("/", 4)
    host = company["host_name"]

    tampered = f"/files/{expires}/{signature[:-2]}AA/{key}"
    assert _get(client, tampered, host).status_code == 403
    longer = f"/files/{int(expires) + 3600}/{signature}/{key}"
    assert _get(client, longer, host).status_code == 403
    moved = f"/files/{expires}/{signature}/{company['id']}/snapshots/s/recording.mp4"
    assert _get(client, moved, host).status_code == 403
    assert _get(client, f"/files/{expires}/{signature}/{key}/../../x", host).status_code \
        in (403, 404)

    past = int(time.time()) - 1
    with app.app_context():
        expired_signature = link_signature(app_settings().secret_key, key, past)
    assert _get(client, f"/files/{past}/{expired_signature}/{key}", host).status_code == 410

    # Another company's file, even with a good link, does not exist on this name.
    assert _get(client, link, other["host_name"]).status_code == 404
    foreign_key = f"{other['id']}/snapshots/r/recording.mp4"
    local.put_bytes(foreign_key, b"F", "video/mp4")
    assert _get(client, local.url(foreign_key, 600), host).status_code == 404
    assert _get(client, local.url(foreign_key, 600), other["host_name"]).status_code == 200

    gone = local.url(f"{company['id']}/snapshots/r/nothing.mp4", 600)
    assert _get(client, gone, host).status_code == 404
    assert _get(client, link, "nobody.example.test").status_code == 404
