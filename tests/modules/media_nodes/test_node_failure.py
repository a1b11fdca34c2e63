"""A media node dies or drains in the middle of meetings, with real
processes: `confera web` and five `confera sfu` nodes (one module's pool:
each test takes the nodes it needs out of it) that beat every second and
count as dead only after 15 s of silence, so a rejoin within 5 s proves the
web's own probe, not the heartbeats running out."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.modules.media_nodes.models import MediaNode
from app.modules.media_nodes.operations import confirm_lost, is_alive
from app.modules.meetings.models import MeetingSession, Participant
from app.modules.outputs.models import EgressNode
from app.modules.outputs.operations import start_recording, stop_recording
from app.modules.recordings.models import Recording, RecordingState
from app.modules.tenants.models import Company, Tenant
from app.protocol import signalling as sig
from app.protocol.join_token import Role
from tests.helpers import confera, free_port, settings_env, wait_for_http, wait_until
from tests.pool import Pool, running_pool
from tests.sfu.client import NodeClient, joined_client
from tests.sfu.conftest import run
from tests.sfu.media import CounterVideo
from tests.sfu.rejoining import RejoiningClient

pytestmark = pytest.mark.media

DEAD_AFTER = 15.0
HEARTBEAT = 1.0
REJOIN_LIMIT = 5.0
DRAIN_SECONDS = 4.0


@pytest.fixture(scope="module")
def pool(settings, app: Flask) -> Iterator[Pool]:
    with running_pool(settings, tuple(f"fail-{n}" for n in range(1, 6)), DEAD_AFTER,
                      heartbeat_seconds=HEARTBEAT,
                      SFU_DRAIN_SECONDS=str(DRAIN_SECONDS)) as running:
        yield running
    # Their last heartbeats came after the last test's clean-up.
    with app.app_context(), db.engine.begin() as conn:
        for table in (MediaNode, EgressNode):
            conn.execute(sa.delete(table))


@pytest.fixture(autouse=True)
def _nodes_registered(pool: Pool, app: Flask) -> None:
    """The previous test's clean-up emptied the registry: the running nodes'
    next heartbeats fill it again."""
    running = {n for n, node in pool.nodes.items() if node.proc.poll() is None}
    wait_until(lambda: running <= set(registry(app)), "the nodes beat again", 5)


def registry(app: Flask) -> dict[str, MediaNode]:
    """node_id -> its row, as the web's table says now (detached copies)."""
    with app.app_context():
        rows = db.session.execute(sa.select(MediaNode)).scalars().all()
        db.session.expunge_all()
        return {row.node_id: row for row in rows}


def egresses(app: Flask) -> list[EgressNode]:
    with app.app_context():
        rows = list(db.session.execute(sa.select(EgressNode)).scalars())
        db.session.expunge_all()
        return rows


def alive(app: Flask, node_id: str) -> bool:
    with app.app_context():
        return is_alive(registry(app)[node_id])


def participants_on(app: Flask, node_id: str) -> int:
    node = registry(app).get(node_id)
    return node.participants if node is not None else 0


def person(pool: Pool, company: dict[str, Any], host: dict[str, Any], name: str,
           publishes: bool = False) -> RejoiningClient:
    return RejoiningClient(pool.web, company["host_name"], host["access_code"], name,
                           publish=(lambda: {sig.Source.CAMERA: CounterVideo()})
                           if publishes else None)


def node_of(pool: Pool, who: RejoiningClient) -> str:
    return pool.node_of(who.ticket)


def received(who: RejoiningClient) -> int:
    assert who.client is not None
    return sum(len(seqs) for seqs in who.client.received_seqs.values())


def test_participants_of_a_killed_node_rejoin_elsewhere_within_5_s_and_others_are_untouched(
        pool, app, make_reseller, make_company, make_host):
    company = make_company(make_reseller())
    first_host, second_host = make_host(company), make_host(company)
    ann, bob = person(pool, company, first_host, "Ann", True), person(pool, company,
                                                                       first_host, "Bob")
    cid, dan = person(pool, company, second_host, "Cid", True), person(pool, company,
                                                                        second_host, "Dan")
    killed: list[str] = []

    async def scenario() -> None:
        try:
            await ann.join()
            await bob.join()
            doomed = node_of(pool, ann)
            await asyncio.to_thread(wait_until, lambda: participants_on(app, doomed) == 2,
                                    "a heartbeat carries the first room's load")
            await cid.join()
            await dan.join()
            kept = node_of(pool, cid)
            assert kept != doomed, "the second room goes to a less loaded node"
            assert bob.client is not None and dan.client is not None
            await bob.client.wait_track(ann.participant_id, sig.Source.CAMERA)
            await dan.client.wait_track(cid.participant_id, sig.Source.CAMERA)
            ids = (ann.participant_id, bob.participant_id)
            dan_before, dans_connection = received(dan), dan.client

            killed_at = time.monotonic()
            os.kill(pool.nodes[doomed].proc.pid, signal.SIGKILL)  # no goodbye
            killed.append(doomed)
            for who in (ann, bob):
                while not who.rejoins and time.monotonic() - killed_at < 3 * REJOIN_LIMIT:
                    await asyncio.sleep(0.05)
            back_within = time.monotonic() - killed_at
            assert ann.rejoins and bob.rejoins, "both got back in"
            assert back_within < REJOIN_LIMIT, f"back after {back_within:.1f} s"
            assert (ann.participant_id, bob.participant_id) == ids, "as the same people"
            assert node_of(pool, ann) == node_of(pool, bob) != doomed
            await bob.client.wait_track(ann.participant_id, sig.Source.CAMERA,
                                        timeout=REJOIN_LIMIT)

            assert cid.rejoins == [] and dan.rejoins == []
            assert dan.client is dans_connection and dans_connection.close_code is None
            assert node_of(pool, dan) == kept
            await asyncio.sleep(0.5)
            assert received(dan) > dan_before, "the other room's media never stopped"
        finally:
            for who in (ann, bob, cid, dan):
                await who.close()

    run(scenario(), timeout=90)
    assert not alive(app, killed[0]), "the web took the killed node for dead"


def test_a_node_that_is_only_slow_is_not_taken_for_dead_on_a_clients_word(pool, app):
    node_id, node = next((i, n) for i, n in pool.nodes.items() if n.proc.poll() is None)
    os.kill(node.proc.pid, signal.SIGSTOP)  # its port still accepts; nothing answers
    try:
        with app.app_context():
            assert confirm_lost(node_id) is False
            db.session.commit()
    finally:
        os.kill(node.proc.pid, signal.SIGCONT)
    assert alive(app, node_id)


def test_a_draining_node_takes_no_new_session_keeps_its_own_and_exits_once_empty(
        pool, app, make_reseller, make_company, make_host):
    company = make_company(make_reseller())
    first_host, second_host = make_host(company), make_host(company)

    async def connect(ticket: dict[str, Any]) -> NodeClient:
        return await joined_client(ticket["node_url"], ticket["token"])

    async def scenario() -> None:
        first = pool.join(company, first_host, "Ann")
        ann = await connect(first)
        bob = cid = None
        try:
            draining = pool.node_of(first)
            process = pool.nodes[draining].proc
            process.send_signal(signal.SIGTERM)
            asked_at = time.monotonic()
            await asyncio.to_thread(wait_until, lambda: registry(app)[draining].draining,
                                    "the node tells the web it drains", 1)

            second = pool.join(company, second_host, "Cid")
            assert pool.node_of(second) != draining, "a new session goes elsewhere"
            cid = await connect(second)
            late = pool.join(company, first_host, "Bob")
            assert pool.node_of(late) == draining, "a running session stays"
            bob = await connect(late)
            assert process.poll() is None, "it waits for its sessions to end"

            await ann.close()
            await bob.close()
            await asyncio.to_thread(process.wait, DRAIN_SECONDS)
            assert process.returncode == 0
            assert time.monotonic() - asked_at < DRAIN_SECONDS, "it left once empty"
            assert cid.close_code is None
        finally:
            for client in (ann, bob, cid):
                if client is not None:
                    await client.close()

    run(scenario(), timeout=60)


def test_after_the_drain_deadline_its_participants_move_to_another_node(
        pool, app, make_reseller, make_company, make_host):
    company = make_company(make_reseller())
    host = make_host(company)
    ann, bob = person(pool, company, host, "Ann", True), person(pool, company, host, "Bob")

    async def scenario() -> None:
        try:
            await ann.join()
            await bob.join()
            draining = node_of(pool, ann)
            process = pool.nodes[draining].proc
            process.send_signal(signal.SIGTERM)
            await asyncio.to_thread(process.wait, DRAIN_SECONDS + 5)
            assert process.returncode == 0
            for who in (ann, bob):
                await asyncio.to_thread(wait_until, lambda w=who: bool(w.rejoins),
                                        f"{who.name} moves", REJOIN_LIMIT)
            assert node_of(pool, ann) == node_of(pool, bob) != draining
            assert bob.client is not None
            await bob.client.wait_track(ann.participant_id, sig.Source.CAMERA)
        finally:
            for who in (ann, bob):
                await who.close()

    run(scenario(), timeout=60)


@pytest.fixture(scope="module")
def egress_and_worker(pool: Pool, settings) -> Iterator[None]:
    """An egress (its media on loopback) and a worker beside the pool's web."""
    port = free_port()
    egress = confera("egress", env=settings_env(
        settings, WEB_URL=pool.web, STORAGE_URL=settings.resolved_storage_url,
        EGRESS_ID="follow-egress", EGRESS_PORT=str(port), EGRESS_ICE_ADDRESSES="127.0.0.1",
        EGRESS_HEARTBEAT_SECONDS="1", EGRESS_FPS="15"))
    worker = confera("worker", env=settings_env(settings, JOB_POLL_SECONDS="0.2",
                                                JOB_RETRY_BASE_SECONDS="0.5"))
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", "x")
        yield
    finally:
        for process in (egress, worker):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def recorders_joined(app: Flask, session_id: str) -> int:
    """How many RECORDER participants of the session a node reported joined."""
    with app.app_context():
        return len(db.session.execute(
            sa.select(Participant.id).join(MeetingSession)
            .where(MeetingSession.public_id == session_id,
                   Participant.role == Role.RECORDER.value,
                   Participant.joined_at.is_not(None))).all())


def recordings(app: Flask) -> list[Recording]:
    with app.app_context():
        rows = list(db.session.execute(sa.select(Recording)).scalars())
        db.session.expunge_all()
        return rows


def recording_command(app: Flask, company: dict[str, Any], session_id: str,
                      start: bool) -> None:
    """Start or stop the session's recording, as a moderator's command does."""
    with app.app_context():
        tenant = Tenant.of(db.session.get_one(Company, company["id"]))
        session = db.session.execute(sa.select(MeetingSession).where(
            MeetingSession.public_id == session_id)).scalar_one()
        (start_recording if start else stop_recording)(tenant, session)
        db.session.commit()


def test_a_recording_follows_its_session_to_the_new_node_and_assembles_as_one(
        pool, app, egress_and_worker, make_reseller, make_company, make_host):
    company = make_company(make_reseller())
    ann = person(pool, company, make_host(company), "Ann", True)

    async def scenario() -> None:
        try:
            await ann.join()
            session_id = str(ann.ticket["session_id"])
            await asyncio.to_thread(
                wait_until, lambda: any(e.egress_id == "follow-egress" for e in egresses(app)),
                "the egress registers")
            started_at = time.monotonic()
            await asyncio.to_thread(recording_command, app, company, session_id, True)
            await asyncio.to_thread(wait_until, lambda: recorders_joined(app, session_id) == 1,
                                    "the egress joins the session")
            await asyncio.sleep(2)  # the first segment
            os.kill(pool.nodes[node_of(pool, ann)].proc.pid, signal.SIGKILL)
            await asyncio.to_thread(wait_until, lambda: bool(ann.rejoins), "Ann is back",
                                    REJOIN_LIMIT)
            await asyncio.to_thread(wait_until, lambda: recorders_joined(app, session_id) == 2,
                                    "the egress follows the session to its new node")
            await asyncio.sleep(2)  # the second segment
            await asyncio.to_thread(recording_command, app, company, session_id, False)
            stopped_at = time.monotonic()
            await asyncio.to_thread(
                wait_until, lambda: [r.state for r in recordings(app)]
                == [RecordingState.PUBLISHED], "one recording assembled", 30)
            [recording] = recordings(app)
            assert not recording.partial
            assert recording.duration_seconds is not None
            assert recording.duration_seconds >= 0.8 * (stopped_at - started_at), \
                "before and after the node died, without a gap"
        finally:
            await ann.close()

    run(scenario(), timeout=90)
