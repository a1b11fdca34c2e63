"""The operator's commands, run as real processes; the web under real gunicorn."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import REPO_ROOT, confera, free_port, settings_env, wait_for_http

DOC_HOST_KEYS = {
    "host_id", "name", "email", "primary_dialin_number", "meeting_url", "role", "openid_sub",
    "access_code", "moderator_pin", "password_creation_link", "login_token_public_key",
    "subscription_ids",
    "meeting_defaults",  # Confera's addition: the host's level of the settings cascade
}


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)


def test_create_reseller_prints_its_ids_and_refuses_a_second_on_the_same_domain(settings):
    env = settings_env(settings)
    args = ["create-reseller", "--name", "Acme", "--domain", "acme.localhost",
            "--admin-email", "ops@acme.test", "--admin-password", "long-enough-1"]
    first = run_cli(*args, env=env)
    assert first.returncode == 0, first.stderr
    info = json.loads(first.stdout)
    assert info["admin_host_name"] == "admin.acme.localhost"
    assert {"reseller_id", "admin_company_id", "admin_host_id"} <= set(info)
    again = run_cli(*args, env=env)
    assert again.returncode != 0 and "already uses acme.localhost" in again.stderr
    same = run_cli(*args, "--if-absent", env=env)
    assert same.returncode == 0 and json.loads(same.stdout) == info


def test_create_reseller_rejects_bad_input_with_a_message(settings):
    result = run_cli("create-reseller", "--name", "Acme", "--domain", "bad.localhost",
                     "--admin-email", "not-an-email", "--admin-password", "x",
                     env=settings_env(settings))
    assert result.returncode != 0
    assert "email" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def web(settings):
    """`confera web` (gunicorn) on a free loopback port."""
    port = free_port()
    env = settings_env(settings, PUBLIC_SCHEME="http", PUBLIC_PORT=str(port), WEB_WORKERS="1")
    proc = confera("web", "--port", str(port), env=env)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/enterprise_api/openapi.json", "x")
        yield {"port": port, "env": env}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_demo_banners_curl_lines_create_a_company_and_a_documented_host(web):
    demo = run_cli("demo", env=web["env"])
    assert demo.returncode == 0, demo.stderr
    banner = demo.stdout
    assert "admin@confera.localhost / confera-demo" in banner
    script = banner.split("paste into a shell):", 1)[1]
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    host = json.loads(result.stdout)
    assert set(host) == DOC_HOST_KEYS
    assert host["meeting_url"] == (
        f"http://joe.confera.localhost:{web['port']}/conf/call/{host['access_code']['number']}")


def test_the_dev_media_node_port_follows_the_web_port(settings):
    from app.cli import dev_node_environment
    from app.sfu.config import NodeSettings

    first = NodeSettings.from_env(dev_node_environment(settings, 5000, {}))
    second = NodeSettings.from_env(dev_node_environment(settings, 5100, {}))
    assert (first.port, second.port) == (7880, 7980)
    assert second.public_url == "ws://127.0.0.1:7980"
    chosen = dev_node_environment(settings, 5100, {"SFU_PORT": "9000"})
    assert NodeSettings.from_env(chosen).port == 9000


def test_the_demo_banner_gives_the_rooms_api_base_url_and_a_key_that_works(web):
    import re

    import httpx

    lines = [re.search(r"Rooms API \(Eyeson\)\s+(\S+)\s+\(Authorization: (\S+)\)",
                       run_cli("demo", env=web["env"]).stdout) for _ in range(2)]
    assert lines[0] and lines[1] and lines[0].groups() == lines[1].groups()  # the same key
    base, key = lines[0].groups()
    assert base == f"http://admin.confera.localhost:{web['port']}/api/rooms/v1"
    answer = httpx.get(f"http://127.0.0.1:{web['port']}/api/rooms/v1/rooms",
                       headers={"Host": f"admin.confera.localhost:{web['port']}",
                                "Authorization": key})
    assert (answer.status_code, answer.json()) == (200, [])


def test_the_demo_banner_gives_the_bbb_url_and_a_secret_that_signs(web):
    import hashlib
    import re

    import httpx

    banner = run_cli("demo", env=web["env"]).stdout
    found = re.search(r"BBB API\s+(\S+)\s+\(secret: (\S+)\)", banner)
    assert found
    url, secret = found.groups()
    assert url == f"http://admin.confera.localhost:{web['port']}/bigbluebutton/api/"
    checksum = hashlib.sha1(f"getMeetings{secret}".encode()).hexdigest()
    answer = httpx.get(f"http://127.0.0.1:{web['port']}/bigbluebutton/api/getMeetings"
                       f"?checksum={checksum}",
                       headers={"Host": f"admin.confera.localhost:{web['port']}"})
    assert "<returncode>SUCCESS</returncode>" in answer.text
