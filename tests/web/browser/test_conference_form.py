"""Scheduling from the portal in Chromium: the host signs in with one click
(/auth), fills the schedule form (a datetime-local start, a time-zone
select), sees the conference among the upcoming ones, and the invitation in
the dev outbox opens in a calendar program (icalendar parses its VEVENT)."""

from __future__ import annotations

import email
import email.policy
from urllib.parse import urlencode

from icalendar import Calendar
from playwright.sync_api import expect

from app.jobs.worker import Worker
from tests.conferences import wall_in
from tests.helpers import event_jobs
from tests.web.portal_helpers import login_key


def test_a_host_schedules_in_the_browser_and_the_invitation_opens_in_a_calendar(
        platform, browser, app, app_with, make_reseller, make_company, make_host, tmp_path):
    company = make_company(make_reseller(name="Acme Video"))
    host = make_host(company, email="host@joe.test")
    page = browser.new_page()
    page.goto(platform.url(company["host_name"], "/auth?" + urlencode({
        "host_id": host["id"], "login_token_public_key": login_key(app, host["id"]),
        "redirect_url": "/conf/calls/new"})))
    expect(page.locator("h1")).to_have_text("Schedule a conference")

    start = wall_in("Asia/Kolkata", days=3)[:16].replace(" ", "T")
    page.fill("#subject", "Launch plan")
    page.fill("#agenda", "Dates, owners")
    page.fill("#start", start)
    page.select_option("#time_zone", "Asia/Kolkata")
    page.fill("#duration", "90")
    page.check("#one_time_access_code")
    page.fill("#security_pin", "864200")
    page.fill("#participant_emails", "bob@royalteck.test moderator")
    page.click("#save")
    expect(page.locator("#conferences")).to_contain_text("Launch plan")
    expect(page.locator("#conferences")).to_contain_text(
        f"{start.replace('T', ' ')} Asia/Kolkata")

    worker = Worker(app_with(smtp_url="", instance_path=str(tmp_path)))
    assert worker.run_until_idle() == 2 + event_jobs(app)
    mails = {}
    for path in (tmp_path / "outbox").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        mails[message["To"]] = message
    assert set(mails) == {"host@joe.test", "bob@royalteck.test"}
    calendar = Calendar.from_ical(
        mails["bob@royalteck.test"].get_body(preferencelist=("calendar",)).get_content())
    [event] = calendar.events
    assert str(calendar["method"]) == "REQUEST"
    assert event.start.strftime("%Y-%m-%dT%H:%M") == start
    assert str(event.start.tzinfo) == "Asia/Kolkata"
    assert (event.end - event.start).total_seconds() == 90 * 60
    assert str(event["summary"]) == "Launch plan"
    assert "PIN: 864200" in str(event["description"])

    # The join link in the list opens the conference's own room.
    link = page.locator("#conferences a[href*='/conf/call/']").first.get_attribute("href")
    assert link is not None and link.startswith(f"http://{company['host_name']}:")
    page.close()
