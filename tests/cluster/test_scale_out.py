"""The platform scaled out (tests/cluster/cluster.py): rooms of two tenants
share three media nodes, each placed on the least-loaded node, and media
flows on each; the two web processes behind nginx share everything, a
host's login included."""

from __future__ import annotations

import asyncio
import fractions
import itertools
import time
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import av
import httpx
import pytest
import sqlalchemy as sa
from aiortc import MediaStreamTrack
from flask import Flask

from app.extensions import db
from app.modules.hosts.web_sessions import HOST_SESSION_COOKIE
from app.modules.media_nodes.models import MediaNode
from app.modules.meetings.models import MeetingSession
from app.protocol import signalling as sig
from tests.cluster.balancer import UPSTREAM_HEADER
from tests.cluster.cluster import Cluster, ClusterNode
from tests.helpers import DEFAULT_PASSWORD, wait_until
from tests.sfu.client import NodeClient
from tests.sfu.rejoining import RejoiningClient
from tests.web.portal_helpers import csrf_of

# 12 participants. Each room's first join places it; a room is placed only
# once the nodes' heartbeats carry the rooms before it, so the least-loaded
# node is known: A, B and C get a node each, D the one with C (2 < 3 < 5).
ROOM_SIZES = (5, 3, 2, 2)
FRAMES_EACH = 3  # decoded frames every participant gets from every other one
# Nothing dies here: a node whose heartbeat a busy machine delays must not
# count as dead and upset the placement.
CLUSTER_OPTIONS = {"dead_after_seconds": 10.0}


@dataclass
class Room:
    host_name: str
    access_code: str
    size: int


class SmallVideo(MediaStreamTrack):
    """A 160x120 grey picture at 10 fps: twelve encoders and thirty decoders
    share this process (and the machine's cores with the whole platform)."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self._count = 0

    async def recv(self) -> av.VideoFrame:
        await asyncio.sleep(0.1)
        frame = av.VideoFrame(160, 120, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes([128 + self._count % 64]) * plane.buffer_size)
        frame.pts, frame.time_base = self._count * 9000, fractions.Fraction(1, 90000)
        self._count += 1
        return frame


def run(scenario: Coroutine[Any, Any, Any], timeout: float) -> Any:
    async def bounded() -> Any:
        return await asyncio.wait_for(scenario, timeout)

    return asyncio.run(bounded())


def participants_in_db(app: Flask) -> dict[str, int]:
    """node_id -> participants, as the nodes' last heartbeats told the web."""
    with app.app_context():
        rows = db.session.execute(sa.select(MediaNode.node_id, MediaNode.participants)).all()
        db.session.rollback()
        return dict(rows)  # type: ignore[arg-type]


def rooms_in_db(app: Flask, session_ids: list[str]) -> Counter[str]:
    """node_id -> how many of these sessions the web placed on it."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(MediaNode.node_id).join(MeetingSession.media_node)
            .where(MeetingSession.public_id.in_(session_ids))).scalars().all()
        db.session.rollback()
        return Counter(rows)


@pytest.fixture
def rooms(make_reseller, make_company, make_host) -> list[Room]:
    """Four rooms: two of a company of one reseller, two of another's."""
    companies = [make_company(make_reseller()) for _ in range(2)]
    owners = [companies[0], companies[1], companies[0], companies[1]]
    return [Room(company["host_name"], make_host(company)["access_code"], size)
            for company, size in zip(owners, ROOM_SIZES, strict=True)]


@dataclass
class Joined:
    """A room's participants, connected to the node the web placed it on."""

    node: ClusterNode
    session_id: str
    clients: dict[str, NodeClient]  # participant id -> its client


async def join_room(cluster: Cluster, room: Room) -> Joined:
    """Everyone of ``room`` joins through the load balancer's join API and
    connects to the node their ticket names, publishing a camera."""
    tickets = [await asyncio.to_thread(cluster.join, room.host_name, room.access_code,
                                       f"P{n}") for n in range(room.size)]
    [node_id] = {cluster.node_of(ticket).node_id for ticket in tickets}
    clients = {t["participant_id"]: NodeClient(t["node_url"], t["token"],
                                               publish={sig.Source.CAMERA: SmallVideo()})
               for t in tickets}
    joined = Joined(cluster.node_by_id(node_id), tickets[0]["session_id"], clients)
    for client in clients.values():
        await client.connect()
    for client in clients.values():
        await client.wait_for(sig.Joined, timeout=15)
    return joined


async def frames_from_the_others(room: Joined) -> None:
    """Every participant decodes FRAMES_EACH frames of every other one's camera."""
    async def receive(client: NodeClient, sender: str) -> None:
        track = await client.wait_track(sender, sig.Source.CAMERA, timeout=20)
        for _ in range(FRAMES_EACH):
            frame = await asyncio.wait_for(track.recv(), 20)
            assert (frame.width, frame.height) == (160, 120)

    await asyncio.gather(*(receive(client, sender) for me, client in room.clients.items()
                           for sender in room.clients if sender != me))


async def place_and_join(cluster: Cluster, app: Flask, room: Room) -> Joined:
    """Join ``room``: it must land on a node with the fewest participants;
    returns once that node's heartbeat has told the web about them."""
    loads = participants_in_db(app)
    joined = await join_room(cluster, room)
    node_id = joined.node.node_id
    assert loads[node_id] == min(loads.values()), f"placed on {node_id}, loads {loads}"
    expected = loads[node_id] + room.size
    await asyncio.to_thread(wait_until, lambda: participants_in_db(app)[node_id] == expected,
                            f"{node_id}'s heartbeat counts {expected}", 10)
    return joined


def test_rooms_of_two_tenants_are_placed_least_loaded_over_three_nodes_and_media_flows(
    cluster: Cluster, app: Flask, rooms: list[Room]
):
    async def scenario() -> list[Joined]:
        joined: list[Joined] = []
        try:
            for room in rooms:
                joined.append(await place_and_join(cluster, app, room))
            await asyncio.gather(*(frames_from_the_others(room) for room in joined))
            _check_counts(cluster, app, joined)
        finally:
            await asyncio.gather(*(client.close() for room in joined
                                   for client in room.clients.values()))
        return joined

    a, b, c, d = (room.node.node_id for room in run(scenario(), timeout=90))
    assert len({a, b, c}) == 3 and d == c


def _check_counts(cluster: Cluster, app: Flask, joined: list[Joined]) -> None:
    """Rooms per node from the web's table, and from each node's own load."""
    expected_rooms = Counter(room.node.node_id for room in joined)
    assert sorted(expected_rooms.values()) == [1, 1, 2]
    assert rooms_in_db(app, [room.session_id for room in joined]) == expected_rooms
    for node in cluster.nodes:
        load = node.health()["load"]
        mine = [room for room in joined if room.node is node]
        assert (load["sessions"], load["participants"]) == \
            (len(mine), sum(len(room.clients) for room in mine)), node.node_id


def session_cookie(login: httpx.Response) -> str:
    """The session cookie a login set, as a Cookie header. It is Secure (a
    browser sends it to http://*.localhost, a secure context; http.cookiejar
    does not) and Partitioned (http.cookies cannot parse it): the test
    carries it itself."""
    [cookie] = [value.split(";", 1)[0] for value in login.headers.get_list("set-cookie")
                if value.startswith(HOST_SESSION_COOKIE + "=")]
    return cookie


def test_a_logged_in_host_stays_logged_in_while_requests_alternate_between_the_webs(
    cluster: Cluster, make_reseller, make_company, make_host
):
    company = make_company(make_reseller())
    host = make_host(company)
    with httpx.Client(base_url=f"http://127.0.0.1:{cluster.port}", timeout=15,
                      headers={"Host": company["host_name"]}) as browser:
        login = browser.post("/login", data={"email": host["email"],
                                             "password": DEFAULT_PASSWORD})
        assert login.status_code == 303, login.text
        browser.headers["Cookie"] = session_cookie(login)
        answered_by = [login.headers[UPSTREAM_HEADER]]
        for _ in range(6):
            profile = browser.get("/portal/profile")
            assert profile.status_code == 200 and host["email"] in profile.text
            answered_by.append(profile.headers[UPSTREAM_HEADER])
        logout = browser.post("/logout", data={"csrf_token": csrf_of(profile.text)})
        assert logout.status_code == 303
        answered_by.append(logout.headers[UPSTREAM_HEADER])
        after = browser.get("/portal/profile")  # the same cookie, on the other web
        answered_by.append(after.headers[UPSTREAM_HEADER])
    assert after.status_code == 303 and after.headers["Location"].startswith("/login")
    # nginx took turns: each request went to the other web process.
    assert set(answered_by) == set(cluster.web_addresses)
    assert all(a != b for a, b in itertools.pairwise(answered_by)), answered_by
    assert cluster.balancer.upstreams_in_log()[-len(answered_by):] == answered_by


# Last in this module: it kills one of the cluster's nodes.
REJOIN_LIMIT = 5.0


def test_a_killed_nodes_participants_are_back_on_the_other_nodes_within_5_s_the_others_untouched(
    cluster: Cluster, app: Flask, rooms: list[Room]
):
    """12 participants in 4 rooms over the 3 nodes (A, B, C a node each, D
    with C); the node of C and D is killed: their 4 participants rejoin by
    themselves on the other nodes within 5 s (nodes count as dead only after
    10 s here: the web's probe of the node they lost finds it gone), and the
    8 of A and B keep their connections."""
    web = f"http://127.0.0.1:{cluster.port}"

    async def scenario() -> None:
        people = [[RejoiningClient(web, room.host_name, room.access_code, f"P{n}",
                                   publish=lambda: {sig.Source.CAMERA: SmallVideo()})
                   for n in range(room.size)] for room in rooms]
        try:
            for room in people:
                loads = participants_in_db(app)
                for person in room:
                    await person.join()
                node_id = cluster.node_of(room[0].ticket).node_id
                expected = loads[node_id] + len(room)
                await asyncio.to_thread(
                    wait_until, lambda n=node_id, e=expected: participants_in_db(app)[n] == e,
                    f"{node_id}'s heartbeat counts {expected}", 10)
            a, b, c, d = ({cluster.node_of(p.ticket).node_id for p in room} for room in people)
            assert len(a | b | c) == 3 and d == c, "each room on one node; D with C"
            doomed = cluster.node_by_id(next(iter(c)))
            moving, staying = people[2] + people[3], people[0] + people[1]
            connections = [person.client for person in staying]

            killed_at = time.monotonic()
            cluster.kill_node(doomed.index)
            while not all(p.rejoins for p in moving) and \
                    time.monotonic() - killed_at < 3 * REJOIN_LIMIT:
                await asyncio.sleep(0.05)
            back_within = time.monotonic() - killed_at
            assert all(p.rejoins for p in moving), "every participant of C and D got back"
            assert back_within < REJOIN_LIMIT, f"back after {back_within:.1f} s"
            for room in people[2:]:
                [node_id] = {cluster.node_of(p.ticket).node_id for p in room}
                assert node_id != doomed.node_id
                first, second = room
                assert second.client is not None
                track = await second.client.wait_track(first.participant_id, sig.Source.CAMERA,
                                                       timeout=REJOIN_LIMIT)
                await asyncio.wait_for(track.recv(), REJOIN_LIMIT)
            assert [p.client for p in staying] == connections
            assert all(p.rejoins == [] and p.client is not None
                       and p.client.close_code is None for p in staying)
        finally:
            await asyncio.gather(*(p.close() for room in people for p in room))

    run(scenario(), timeout=120)
