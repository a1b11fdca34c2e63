"""A subscriber in a process of its own, so that a test can freeze it (SIGSTOP).

python -m tests.sfu.subscriber_process WS_URL TOKEN PUBLISHER_ID
prints "ready" once it has decoded its first frame, then keeps reading."""

from __future__ import annotations

import asyncio
import sys

from app.protocol import signalling as sig
from app.sfu.aiortc_hooks import restrict_host_addresses
from tests.sfu.client import NodeClient


async def main(ws_url: str, token: str, publisher_id: str) -> None:
    restrict_host_addresses(["127.0.0.1"])
    client = NodeClient(ws_url, token)
    await client.connect()
    track = await client.wait_track(publisher_id, sig.Source.CAMERA)
    await track.recv()
    print("ready", flush=True)
    while True:
        await track.recv()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
