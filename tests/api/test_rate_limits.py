"""Rate limits an attacker can neither get around nor turn against users
(issue S, item 5).

- Counters are shared by every web process (Redis, else the database) and
  atomic: a burst of concurrent wrong PINs or passwords gets no more answers
  checked than the limit allows (before: 26 of 100 against a limit of 10,
  with two gunicorn workers each counting its own).
- Behind the trusted proxies (TRUSTED_PROXIES) each client is counted by its
  own address; anyone else's X-Forwarded-For is ignored.
- Wrong passwords back off per account, whatever the address; wrong PINs
  are limited per room too; security PINs have at least 6 digits.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis
import sqlalchemy as sa

from app.core.rate_limit_storage import storage_uri
from app.environment import ConfigError
from app.extensions import db
from app.modules.access import HostRole
from app.modules.hosts.credentials import set_password
from app.modules.hosts.models import Host
from app.modules.meetings.models import Room
from tests.helpers import (
    DEFAULT_PASSWORD,
    confera,
    free_port,
    settings_env,
    wait_for_http,
)

RIGHT_PIN, WRONG_PIN = "246813", "000000"
REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of these tests' own, emptied first


@pytest.fixture
def room(make_reseller, make_company, make_host, token_for, beat, api) -> dict[str, Any]:
    """A room with a security PIN, on a registered media node."""
    reseller = make_reseller()
    company = make_company(reseller)
    host = make_host(company)
    beat("node-a")
    answer = api("room/update", reseller["admin_company"]["host_name"],
                 token_for(reseller["admin"]), host_id=host["id"], security_pin=RIGHT_PIN)
    assert answer.status_code == 200, answer.json
    return {"host_name": company["host_name"], "code": host["access_code"], "host": host,
            "company": company, "reseller": reseller}


def _join(client, room, address="198.51.100.1", **body):
    return client.post(f"/api/v1/rooms/{room['code']}/join", json={"display_name": "Eve",
                                                                   **body},
                       headers={"Host": room["host_name"]},
                       environ_base={"REMOTE_ADDR": address})


# --- shared, atomic counters ----------------------------------------------------------

@pytest.fixture
def web_server(settings):
    """`confera web` with two gunicorn workers; ``start(**env)``."""
    started = []

    def start(**env: str) -> str:
        port = free_port()
        proc = confera("web", "--port", str(port),
                       env=settings_env(settings, WEB_WORKERS="2", WEB_THREADS="4", **env))
        started.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_for_http(url + "/enterprise_api/openapi.json", "x")
        return url

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.parametrize("store", ["database", "redis"])
def test_concurrent_wrong_pins_on_two_workers_get_no_more_answers_than_the_limit(
        web_server, room, settings, store):
    limit = int(settings.ratelimit_meeting_pin.split()[0])
    env = {}
    if store == "redis":
        redis.Redis.from_url(REDIS_URL).flushdb()
        env["REDIS_URL"] = REDIS_URL
    url = web_server(**env)

    def guess(_: int) -> int:
        return httpx.post(f"{url}/api/v1/rooms/{room['code']}/join",
                          json={"display_name": "Eve", "security_pin": WRONG_PIN},
                          headers={"Host": room["host_name"]}, timeout=30).status_code

    with ThreadPoolExecutor(16) as pool:
        answers = Counter(pool.map(guess, range(100)))
    assert answers[403] <= limit and answers[403] + answers[429] == 100, answers
    # and the right PIN is no oracle now: it gets the same 429
    assert guess(0) == 429
    right = httpx.post(f"{url}/api/v1/rooms/{room['code']}/join",
                       json={"display_name": "Ann", "security_pin": RIGHT_PIN},
                       headers={"Host": room["host_name"]}, timeout=30)
    assert right.status_code == 429 and int(right.headers["Retry-After"]) >= 1


def test_storage_is_shared_whenever_there_can_be_more_than_one_process(settings):
    one = settings.with_(web_workers=1, env="development")
    assert storage_uri(one) == "memory://"
    assert storage_uri(settings.with_(web_workers=2)) == "confera+database://"
    assert storage_uri(one.with_(env="production", secret_key="s" * 32,
                                 media_node_secret="m" * 32)) == "confera+database://"
    assert storage_uri(settings.with_(redis_url=REDIS_URL)) == REDIS_URL


def test_concurrent_wrong_pins_in_one_process_are_counted_atomically(app, room, settings):
    limit = int(settings.ratelimit_meeting_pin.split()[0])
    with ThreadPoolExecutor(16) as pool:
        answers = Counter(pool.map(
            lambda _: _join(app.test_client(), room, security_pin=WRONG_PIN).status_code,
            range(60)))
    assert answers[403] <= limit and answers[403] + answers[429] == 60, answers


# --- per room ---------------------------------------------------------------------------

def test_wrong_pins_are_limited_per_room_whatever_the_address(app_with, room, token_for):
    client = app_with(ratelimit_meeting_pin="1000 per minute",
                      ratelimit_meeting_pin_room="5 per hour").test_client()
    for n in range(5):
        assert _join(client, room, f"203.0.113.{n}", security_pin=WRONG_PIN).status_code == 403
    for address in ("203.0.113.77", "192.0.2.1"):
        answer = _join(client, room, address, security_pin=RIGHT_PIN)
        assert answer.status_code == 429 and answer.headers["Retry-After"]
    # whoever needs no PIN still gets in: the host with its token
    host = _join(client, room, "192.0.2.2", auth_token=token_for(room["host"]))
    assert host.status_code == 200, host.json


def test_another_rooms_pins_are_counted_apart(app_with, room, make_host, api, token_for):
    client = app_with(ratelimit_meeting_pin_room="2 per hour").test_client()
    for _ in range(2):
        _join(client, room, security_pin=WRONG_PIN)
    other = dict(room, host=make_host(room["company"]))
    other["code"] = other["host"]["access_code"]
    api("room/update", room["reseller"]["admin_company"]["host_name"],
        token_for(room["reseller"]["admin"]), host_id=other["host"]["id"],
        security_pin=RIGHT_PIN)
    assert _join(client, other, security_pin=RIGHT_PIN).status_code == 200


# --- 6-digit PINs -----------------------------------------------------------------------

@pytest.mark.parametrize(("pin", "status"), [("1234", 422), ("12345", 422), ("123456", 200),
                                             (123456789012, 200)])
def test_a_new_security_pin_has_at_least_6_digits(api, room, token_for, pin, status):
    answer = api("room/update", room["reseller"]["admin_company"]["host_name"],
                 token_for(room["reseller"]["admin"]), host_id=room["host"]["id"],
                 security_pin=pin)
    assert answer.status_code == status, answer.json


def test_a_stored_4_digit_pin_still_works(app, client, room):
    with app.app_context():
        db.session.execute(sa.update(Room).where(Room.host_id == room["host"]["id"])
                           .values(security_pin="2468"))
        db.session.commit()
    assert _join(client, room, security_pin="2468").status_code == 200
    assert _join(client, room, security_pin="1357").status_code == 403


# --- passwords: per address behind trusted proxies, per account with backoff -----------

@pytest.fixture
def account(make_reseller, make_host):
    reseller = make_reseller()
    company = reseller["admin_company"]
    return {"host_name": company["host_name"], "email": reseller["admin"]["email"],
            "other": make_host(company, HostRole.HOST)["email"]}


def _login(client, account, password="wrong-password", address="198.51.100.1",
           forwarded=None, email=None):
    headers = {"Host": account["host_name"]}
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    return client.post("/enterprise_api/authenticate", headers=headers,
                       environ_base={"REMOTE_ADDR": address},
                       json={"email": email or account["email"], "password": password})


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address(app_with, account):
    client = app_with(trusted_proxies=("10.0.0.0/8", "fd00::/8"),
                      ratelimit_authenticate="3 per minute", login_backoff_after=100
                      ).test_client()
    proxy = "10.1.2.3"
    for _ in range(3):
        assert _login(client, account, address=proxy, forwarded="203.0.113.9").status_code == 401
    assert _login(client, account, address=proxy, forwarded="203.0.113.9").status_code == 429
    # Another client behind the same proxy is not locked out ...
    assert _login(client, account, address=proxy, forwarded="203.0.113.10",
                  password=DEFAULT_PASSWORD).status_code == 200
    # ... and the first cannot escape by naming another address itself: the
    # proxy appends what it saw, and only the right-most untrusted hop counts.
    assert _login(client, account, address=proxy,
                  forwarded="192.0.2.1, 203.0.113.9").status_code == 429
    assert _login(client, account, address=proxy,
                  forwarded="192.0.2.1, 203.0.113.9, 10.9.9.9").status_code == 429


def test_x_forwarded_for_from_anyone_else_is_ignored(app_with, account):
    client = app_with(trusted_proxies=("10.0.0.0/8",), ratelimit_authenticate="3 per minute",
                      login_backoff_after=100).test_client()
    codes = [_login(client, account, address="198.51.100.7",
                    forwarded=f"203.0.113.{n}").status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]


def test_without_trusted_proxies_x_forwarded_for_counts_for_nothing(app_with, account):
    client = app_with(ratelimit_authenticate="3 per minute", login_backoff_after=100
                      ).test_client()
    codes = [_login(client, account, address="10.1.2.3",
                    forwarded=f"203.0.113.{n}").status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]


def test_wrong_passwords_back_off_per_account_from_any_address(app_with, account):
    client = app_with(login_backoff_after=3, ratelimit_authenticate="1000 per minute"
                      ).test_client()
    for n in range(4):  # 3 free, the 4th is checked and makes the next wait 1 s
        assert _login(client, account, address=f"203.0.113.{n}").status_code == 401
    refused = _login(client, account, address="192.0.2.50", password=DEFAULT_PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    # another account is not held up
    assert _login(client, account, email=account["other"]).status_code == 401
    time.sleep(1.1)
    assert _login(client, account, address="192.0.2.51").status_code == 401  # waits 2 s now
    refused = _login(client, account, address="192.0.2.52")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"
    time.sleep(2.1)
    assert _login(client, account, password=DEFAULT_PASSWORD).status_code == 200
    # a success starts the account afresh
    for _ in range(3):
        assert _login(client, account).status_code == 401


def test_the_backoff_waits_at_most_the_longest_delay(app_with, account):
    client = app_with(login_backoff_after=0, login_backoff_max_seconds=1,
                      ratelimit_authenticate="1000 per minute").test_client()
    for _ in range(3):
        assert _login(client, account).status_code == 401
        refused = _login(client, account)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
        time.sleep(1.1)


def test_concurrent_wrong_passwords_get_no_more_checked_answers_than_the_backoff_allows(
        app_with, account):
    limited = app_with(login_backoff_after=3, ratelimit_authenticate="1000 per minute")
    with ThreadPoolExecutor(16) as pool:
        answers = Counter(pool.map(
            lambda n: _login(limited.test_client(), account,
                             address=f"203.0.{n // 250}.{n % 250}").status_code,
            range(50)))
    assert answers[401] <= 4 and answers[401] + answers[429] == 50, answers


def test_rate_limited_answers_are_the_dialects_error(app_with, account):
    client = app_with(login_backoff_after=0).test_client()
    _login(client, account)
    refused = _login(client, account)
    assert refused.status_code == 429
    assert refused.is_json and "Too many" in refused.json["message"]


@pytest.mark.parametrize("change", [
    {"trusted_proxies": ("10.0.0.0/8", "proxy.example")}, {"trusted_proxies": ("10.0.0.0/33",)},
    {"ratelimit_not_found": "lots"}, {"ratelimit_meeting_pin_room": "5 per fortnight"},
    {"login_backoff_max_seconds": 0}, {"login_backoff_after": -1},
])
def test_a_bad_rate_limit_setting_stops_the_start(settings, change):
    with pytest.raises(ConfigError):
        settings.with_(**change)


def test_a_password_set_by_an_admin_ends_the_wait(app_with, account, make_reseller, token_for,
                                                  app):
    client = app_with(login_backoff_after=0, login_backoff_max_seconds=900).test_client()
    _login(client, account)
    assert _login(client, account, password=DEFAULT_PASSWORD).status_code == 429
    with app.app_context():
        host = db.session.execute(sa.select(Host).where(Host.email == account["email"])
                                  ).scalar_one()
        set_password(host, "a-new-password-1")
        db.session.commit()
    assert _login(client, account, password="a-new-password-1").status_code == 200
