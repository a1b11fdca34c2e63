"""Recording operations beside the assembly: who a recording belongs to,
publishing, and refusals that change nothing."""

from __future__ import annotations

import pytest

from app.errors import ValidationFailed
from app.extensions import db
from app.modules.access import Actor, Caller, HostRole
from app.modules.recordings import operations
from app.modules.recordings.models import Recording, RecordingState
from app.modules.tenants.models import Company, Tenant
from tests.recordings import add_recording


@pytest.fixture
def host(make_reseller, make_company, make_host):
    return make_host(make_company(make_reseller()))


def _actor(host) -> Actor:
    tenant = Tenant.of(db.session.get_one(Company, host["company_id"]))
    return Actor(Caller(host["id"], host["company_id"], tenant.reseller_id, host["role"]),
                 tenant)


def test_a_recording_belongs_to_the_rooms_host_under_its_companys_prefix(app, ctx, host):
    public_id = add_recording(app, host, state=RecordingState.RECORDING)
    recording = db.session.query(Recording).filter_by(public_id=public_id).one()
    assert recording.host_id == host["id"] and recording.company_id == host["company_id"]
    assert recording.storage_prefix == f"{host['company_id']}/recordings/{public_id}"
    assert (recording.state, recording.partial, recording.media_key) == \
        (RecordingState.RECORDING, False, None)


def test_a_ready_recording_is_unpublished_and_published_again(app, ctx, host):
    public_id = add_recording(app, host)
    hidden = operations.set_published(_actor(host), public_id, False)
    assert hidden.state is RecordingState.UNPUBLISHED and hidden.download_url is None
    shown = operations.set_published(_actor(host), public_id, True)
    assert shown.state is RecordingState.PUBLISHED and shown.download_url


@pytest.mark.parametrize("state", [RecordingState.RECORDING, RecordingState.PROCESSING,
                                   RecordingState.FAILED])
def test_only_a_ready_recording_can_be_published(app, ctx, host, state):
    public_id = add_recording(app, host, state=state)
    with pytest.raises(ValidationFailed):
        operations.set_published(_actor(host), public_id, True)
    assert db.session.query(Recording).filter_by(public_id=public_id).one().state is state


def test_events_for_unknown_recordings_are_ignored(ctx):
    operations.recording_stopped(987654, {})
    operations.recording_interrupted(987654, "gone")
    operations.assemble_recording(987654)
    assert db.session.query(Recording).count() == 0


def test_a_reseller_admin_lists_a_companys_recordings(app, ctx, host, make_reseller):
    public_id = add_recording(app, host)
    tenant = Tenant.of(db.session.get_one(Company, host["company_id"]))
    admin = Actor(Caller(1, 999, tenant.reseller_id, HostRole.RESELLER_ADMIN), tenant)
    listed = operations.list_recordings(admin, {"company_id": host["company_id"]})
    assert [r.recording_id for r in listed.items] == [public_id] and listed.total == 1
