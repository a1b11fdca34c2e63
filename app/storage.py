"""Where recordings, live-stream segments and snapshots are kept: a local folder
(``file:///abs/path``, the default ``<instance>/storage``) or S3 through boto3
(``s3://bucket/prefix``; ``S3_ENDPOINT_URL`` for S3-compatible stores).

Keys are ``<company id>/<kind>/<id>/...`` (kind: recordings, live, snapshots);
app/protocol/egress_api.py says which output writes which key.

Both the web and ``confera egress`` import this module, so it imports only the
standard library and boto3 (lazily), never Flask or SQLAlchemy. The caller
passes what it needs (the URL, the secret links are signed with) as plain
values.

Download links expire. S3 gives presigned GET URLs. The local folder gives a
path the web serves, ``/files/<expires>/<signature>/<key>`` (app/web/files.py):
the signature covers the expiry and the key's *directory*, so the relative
URLs of an HLS playlist served from such a link (``0.ts``) resolve to links
that validate as well.
"""

from __future__ import annotations

import base64
import enum
import functools
import hashlib
import hmac
import os
import pathlib
import re
import shutil
import tempfile
import time
from typing import Any, Protocol
from urllib.parse import urlsplit

FILES_PATH = "/files"

# One path segment: letters, digits, '.', '_', '-', never starting with a dot
# (so no '.', '..' and no hidden temp files of the local folder).
_SEGMENT = r"[A-Za-z0-9_\-][A-Za-z0-9._\-]*"
_KEY = re.compile(rf"{_SEGMENT}(/{_SEGMENT})*")
_PREFIX = re.compile(rf"({_SEGMENT}(/{_SEGMENT})*/?)?")


class StorageError(Exception):
    """A storage URL or key the storage cannot work with."""


class Storage(Protocol):
    def put_bytes(self, key: str, data: bytes, content_type: str) -> None: ...

    def put_file(self, key: str, path: pathlib.Path, content_type: str) -> None: ...

    def read(self, key: str) -> bytes:
        """The object's bytes; KeyError if absent."""
        ...

    def size(self, key: str) -> int | None:
        """The object's size in bytes; None if absent."""
        ...

    def list(self, prefix: str) -> list[str]:
        """Keys that start with ``prefix``, sorted."""
        ...

    def delete_prefix(self, prefix: str) -> None: ...

    def url(self, key: str, expires_in: int) -> str:
        """A link that downloads the object for ``expires_in`` seconds: S3 a
        presigned GET URL; the local folder a path on the web, ``/files/...``
        (the caller puts the company's host name in front)."""
        ...


def check_key(key: str) -> str:
    """``key`` itself when it is a relative key of plain segments; StorageError
    otherwise (``..``, absolute, backslash, control characters, empty)."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise StorageError(f"not a storage key: {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise StorageError(f"not a storage prefix: {prefix!r}")
    return prefix


def company_of(key: str) -> str:
    """The company id a key belongs to (its first segment)."""
    return check_key(key).split("/", 1)[0]


# --- signed links of the local folder -----------------------------------------

class LinkCheck(enum.StrEnum):
    OK = "ok"
    EXPIRED = "expired"
    BAD = "bad"  # tampered with, or not ours


def _link_key(secret_key: str) -> bytes:
    # A key of its own, so a link signature is never valid as anything else.
    return hmac.new(secret_key.encode(), b"confera/storage-links/v1", hashlib.sha256).digest()


def _directory(key: str) -> str:
    return key.rsplit("/", 1)[0] if "/" in key else ""


def link_signature(secret_key: str, key: str, expires: int) -> str:
    """The signature of a link to ``key`` (or any key in its directory) valid
    until ``expires`` (Unix seconds)."""
    message = f"{expires}\n{_directory(check_key(key))}".encode()
    digest = hmac.new(_link_key(secret_key), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def check_link(secret_key: str, expires: str, signature: str, key: str,
               now: float | None = None) -> LinkCheck:
    """Whether ``/files/<expires>/<signature>/<key>`` may be served now."""
    if not expires.isdigit() or len(expires) > 12 or not secret_key:
        return LinkCheck.BAD
    try:
        wanted = link_signature(secret_key, key, int(expires))
    except StorageError:
        return LinkCheck.BAD
    if not hmac.compare_digest(wanted.encode(), signature.encode()):
        return LinkCheck.BAD
    if int(expires) < (time.time() if now is None else now):
        return LinkCheck.EXPIRED
    return LinkCheck.OK


# --- local folder -------------------------------------------------------------

class LocalStorage:
    def __init__(self, root: pathlib.Path, secret_key: str = "") -> None:
        self.root = root
        self._secret_key = secret_key

    def path_of(self, key: str) -> pathlib.Path:
        """The file a key is kept in (it may not exist)."""
        return self.root / check_key(key)

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self._write(key, lambda handle: handle.write(data))

    def put_file(self, key: str, path: pathlib.Path, content_type: str) -> None:
        def copy(handle: Any) -> None:
            with open(path, "rb") as source:
                shutil.copyfileobj(source, handle, 1 << 20)

        self._write(key, copy)

    def _write(self, key: str, fill: Any) -> None:
        # Temp file + rename: a reader (a viewer's player, the assemble job)
        # never sees half an object, and a crash leaves no half object behind.
        target = self.path_of(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                fill(handle)
            os.chmod(temp, 0o644)
            os.replace(temp, target)
        except BaseException:
            pathlib.Path(temp).unlink(missing_ok=True)
            raise

    def read(self, key: str) -> bytes:
        try:
            return self.path_of(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise KeyError(key) from None

    def size(self, key: str) -> int | None:
        path = self.path_of(key)
        return path.stat().st_size if path.is_file() else None

    def list(self, prefix: str) -> list[str]:
        check_prefix(prefix)
        base = self.root / _directory(prefix) if "/" in prefix else self.root
        if not base.is_dir():
            return []
        keys = []
        for directory, _, files in os.walk(base):
            for name in files:
                if name.startswith("."):
                    continue  # a write in progress
                key = (pathlib.Path(directory) / name).relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def delete_prefix(self, prefix: str) -> None:
        check_prefix(prefix)
        if not prefix:
            raise StorageError("refusing to delete the whole storage")
        for key in self.list(prefix):
            self.path_of(key).unlink(missing_ok=True)
        named = self.root / prefix.rstrip("/")
        if named.is_dir():
            for directory, _, _ in sorted(os.walk(named), reverse=True):
                self._prune(pathlib.Path(directory))
        self._prune(named if named.is_dir() else named.parent)

    def _prune(self, directory: pathlib.Path) -> None:
        # Remove the directories the delete emptied, up to the root.
        while directory != self.root and self.root in directory.parents:
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent

    def url(self, key: str, expires_in: int) -> str:
        if not self._secret_key:
            raise StorageError("local storage links need the secret key")
        expires = int(time.time()) + expires_in
        return f"{FILES_PATH}/{expires}/{link_signature(self._secret_key, key, expires)}/{key}"


# --- S3 -----------------------------------------------------------------------

class S3Storage:
    """Objects under ``s3://bucket/prefix``; with ``bucket_per_company`` each
    company's keys go to the bucket ``<bucket>-<company id>`` instead (created
    on first write when missing), still under the same prefix."""

    def __init__(self, bucket: str, prefix: str, *, endpoint_url: str = "",
                 bucket_per_company: bool = False, client: Any = None) -> None:
        import boto3  # here: only S3 deployments pay for importing it
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.bucket_per_company = bucket_per_company
        self._client = client or boto3.client(
            "s3", endpoint_url=endpoint_url or None,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          retries={"max_attempts": 5, "mode": "standard"}))
        self._buckets_seen: set[str] = set()

    def _where(self, key: str) -> tuple[str, str]:
        check_key(key)
        bucket = f"{self.bucket}-{company_of(key)}" if self.bucket_per_company else self.bucket
        return bucket, self.prefix + key

    def _writable(self, bucket: str) -> None:
        if not self.bucket_per_company or bucket in self._buckets_seen:
            return
        from botocore.exceptions import ClientError

        try:
            self._client.head_bucket(Bucket=bucket)
        except ClientError:
            self._client.create_bucket(Bucket=bucket)
        self._buckets_seen.add(bucket)

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        bucket, name = self._where(key)
        self._writable(bucket)
        self._client.put_object(Bucket=bucket, Key=name, Body=data, ContentType=content_type)

    def put_file(self, key: str, path: pathlib.Path, content_type: str) -> None:
        bucket, name = self._where(key)
        self._writable(bucket)
        self._client.upload_file(str(path), bucket, name,
                                 ExtraArgs={"ContentType": content_type})

    def read(self, key: str) -> bytes:
        bucket, name = self._where(key)
        try:
            return bytes(self._client.get_object(Bucket=bucket, Key=name)["Body"].read())
        except self._client.exceptions.NoSuchKey:
            raise KeyError(key) from None
        except self._client.exceptions.NoSuchBucket:
            raise KeyError(key) from None

    def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        bucket, name = self._where(key)
        try:
            return int(self._client.head_object(Bucket=bucket, Key=name)["ContentLength"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NoSuchBucket"):
                return None
            raise

    def _listing(self, prefix: str) -> list[tuple[str, str]]:
        check_prefix(prefix)
        if self.bucket_per_company and "/" not in prefix:
            raise StorageError("with a bucket per company, a prefix names the company")
        bucket = self._where(prefix.split("/", 1)[0] + "/x")[0]
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=self.prefix + prefix)
        found = []
        try:
            for page in pages:
                found += [(bucket, item["Key"]) for item in page.get("Contents", [])]
        except self._client.exceptions.NoSuchBucket:
            return []
        return sorted(found)

    def list(self, prefix: str) -> list[str]:
        return [name[len(self.prefix):] for _, name in self._listing(prefix)]

    def delete_prefix(self, prefix: str) -> None:
        if not prefix:
            raise StorageError("refusing to delete the whole storage")
        found = self._listing(prefix)
        for start in range(0, len(found), 1000):  # DeleteObjects takes 1000 at most
            batch = found[start:start + 1000]
            self._client.delete_objects(Bucket=batch[0][0], Delete={
                "Objects": [{"Key": name} for _, name in batch], "Quiet": True})

    def url(self, key: str, expires_in: int) -> str:
        bucket, name = self._where(key)
        return str(self._client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": name}, ExpiresIn=expires_in))


def open_storage(storage_url: str, *, secret_key: str = "", s3_endpoint_url: str = "",
                 bucket_per_company: bool = False) -> LocalStorage | S3Storage:
    """The storage ``storage_url`` names (Settings.resolved_storage_url).
    ``secret_key`` (SECRET_KEY) signs the local folder's links; a process that
    only writes (the egress) may leave it out."""
    parts = urlsplit(storage_url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise StorageError(f"STORAGE_URL: file:// needs an absolute path: {storage_url!r}")
        return LocalStorage(pathlib.Path(parts.path), secret_key)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise StorageError(f"STORAGE_URL: s3:// needs a bucket: {storage_url!r}")
        return S3Storage(parts.netloc, parts.path, endpoint_url=s3_endpoint_url,
                         bucket_per_company=bucket_per_company)
    raise StorageError(f"STORAGE_URL must be file:// or s3://: {storage_url!r}")


def check_reachable(store: LocalStorage | S3Storage) -> None:
    """Cheaply prove that ``store`` can be written to now (readiness probes):
    the local folder exists (made if missing) and is writable; the S3 bucket
    answers (with a bucket per company: the credentials list buckets).
    Raises StorageError saying what failed."""
    if isinstance(store, LocalStorage):
        try:
            store.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"{store.root}: {exc.strerror}") from exc
        if not os.access(store.root, os.W_OK | os.X_OK):
            raise StorageError(f"{store.root} is not writable")
        return
    try:
        if store.bucket_per_company:
            store._client.list_buckets()
        else:
            store._client.head_bucket(Bucket=store.bucket)
    except Exception as exc:  # botocore's errors: no credentials, no bucket, no network
        raise StorageError(f"s3://{store.bucket}: {type(exc).__name__}: {exc}") from exc


def storage_for(settings: Any) -> LocalStorage | S3Storage:
    """The storage the settings name (app.config.Settings, or anything with its
    storage fields), one per process: a boto3 client is costly to build and
    safe to share between threads."""
    return _opened(settings.resolved_storage_url, settings.secret_key,
                   settings.s3_endpoint_url, settings.storage_bucket_per_company)


@functools.lru_cache(maxsize=8)
def _opened(url: str, secret_key: str, endpoint: str,
            per_company: bool) -> LocalStorage | S3Storage:
    return open_storage(url, secret_key=secret_key, s3_endpoint_url=endpoint,
                        bucket_per_company=per_company)
