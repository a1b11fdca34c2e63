"""S3 on loopback for the tests: moto's server (real HTTP, real boto3 client,
real presigned URLs), on 127.0.0.1 with a free port."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
from moto.server import ThreadedMotoServer

from tests.helpers import free_port

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str

    def create_bucket(self, name: str) -> None:
        boto3.client("s3", endpoint_url=self.endpoint_url).create_bucket(Bucket=name)

    def buckets(self) -> list[str]:
        found = boto3.client("s3", endpoint_url=self.endpoint_url).list_buckets()
        return sorted(bucket["Name"] for bucket in found["Buckets"])


@contextmanager
def running_s3() -> Iterator[S3Server]:
    """A moto S3 server; boto3 finds its (fake) credentials in the environment,
    as it would find real ones."""
    saved = {name: os.environ.get(name) for name in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
