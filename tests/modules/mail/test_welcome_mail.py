"""The welcome mail of host/create, end to end: the API call queues it, a
worker delivers it (real SMTP on loopback, or the outbox), and its one-time
link sets the password."""

from __future__ import annotations

import email
import email.policy
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.jobs.worker import Worker
from app.modules.access import HostRole
from app.modules.events.operations import EVENT_WRITTEN
from tests.helpers import event_jobs

NEW_PASSWORD = "brand-new-secret-1"


@pytest.fixture
def tenant(make_reseller, make_company, make_host, token_for):
    reseller = make_reseller(name="Acme Video")
    company = make_company(reseller)
    admin = make_host(company, HostRole.COMPANY_ADMIN)
    return {"reseller": reseller, "company": company, "token": token_for(admin)}


def create_host(api, tenant, **fields):
    response = api("host/create", tenant["company"]["host_name"], tenant["token"],
                   company_id=tenant["company"]["id"], name="Ann Host",
                   email="ann@example.test", **fields)
    assert response.status_code == 200, response.json
    return response.json


def jobs(app):
    """The mail's jobs (each event's events.written job is the webhooks')."""
    with app.app_context():
        return db.session.execute(
            sa.select(Job).where(Job.kind != EVENT_WRITTEN)).scalars().all()


def test_welcome_mail_arrives_by_smtp_and_its_link_sets_the_password_once(
    app, api, client, tenant, smtp_server, app_with, snapshot
):
    created = create_host(api, tenant)
    assert Worker(app_with(smtp_url=smtp_server.url)).run_until_idle() == 1 + event_jobs(app)

    [mail] = smtp_server.received
    domain = tenant["reseller"]["domain"]
    assert mail.rcpt_tos == ["ann@example.test"]
    assert mail.message["To"] == "ann@example.test"
    assert mail.message["From"] == f"Acme Video <no-reply@{domain}>"
    assert mail.message["Subject"] == "Welcome to Acme Video"
    for subtype in ("plain", "html"):
        assert created["meeting_url"] in mail.body(subtype)
        assert created["password_creation_link"] in mail.body(subtype)

    link = urlsplit(created["password_creation_link"])
    assert link.hostname == tenant["company"]["host_name"]
    page = {"path": link.path, "headers": {"Host": link.hostname}}
    form = client.get(**page)
    assert form.status_code == 200 and b"<form" in form.data

    before = snapshot()
    token = link.fragment  # what the page's script puts into the form
    mismatched = client.post(**page, data={"token": token, "password": NEW_PASSWORD,
                                           "password_confirm": NEW_PASSWORD + "x"})
    assert mismatched.status_code == 422
    assert snapshot() == before

    done = client.post(**page, data={"token": token, "password": NEW_PASSWORD,
                                     "password_confirm": NEW_PASSWORD})
    assert done.status_code == 200
    login = api("authenticate", link.hostname, email="ann@example.test", password=NEW_PASSWORD)
    assert login.status_code == 200 and login.json["auth_token"]

    again = client.post(**page, data={"token": token, "password": "another-secret-2",
                                      "password_confirm": "another-secret-2"})
    assert again.status_code == 404
    assert api("authenticate", link.hostname, email="ann@example.test",
               password="another-secret-2").status_code == 401


def test_no_welcome_email_queues_no_job_and_sends_nothing(
    app, api, tenant, smtp_server, app_with
):
    create_host(api, tenant, no_welcome_email=True)
    assert jobs(app) == []
    assert Worker(app_with(smtp_url=smtp_server.url)).run_until_idle() == event_jobs(app)
    assert smtp_server.received == []


def test_without_smtp_url_the_welcome_mail_lands_in_the_outbox_as_eml(
    app, api, tenant, app_with, tmp_path
):
    created = create_host(api, tenant)
    worker_app = app_with(smtp_url="", instance_path=str(tmp_path))
    assert Worker(worker_app).run_until_idle() == 1 + event_jobs(app)

    files = list((tmp_path / "outbox").iterdir())
    assert [f.suffix for f in files] == [".eml"]  # and no half-written .tmp left behind
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "ann@example.test"
    assert message["Subject"] == "Welcome to Acme Video"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert created["password_creation_link"] in text
    [job] = jobs(app)
    assert job.status is JobStatus.DONE and job.attempts == 1 and job.last_error is None
