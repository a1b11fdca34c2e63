"""`confera demo` (make run) prints a one-click SSO link that signs the demo
host in to its portal."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx

from tests.test_cli import run_cli, web  # noqa: F401  (the fixture)


def test_the_demo_banners_sso_link_signs_the_demo_host_in(web):  # noqa: F811
    demo = run_cli("demo", env=web["env"])
    assert demo.returncode == 0, demo.stderr
    match = re.search(r"Host portal \(SSO\)\s+(\S+)", demo.stdout)
    assert match, demo.stdout
    link = urlsplit(match.group(1))
    assert (link.hostname, link.port, link.path) == ("admin.confera.localhost", web["port"],
                                                     "/auth")
    answer = httpx.get(f"http://127.0.0.1:{web['port']}{link.path}?{link.query}",
                       headers={"Host": link.netloc}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert answer.headers["Location"] == "/conf/calls/upcoming"
    cookie = answer.headers["Set-Cookie"]
    portal = httpx.get(f"http://127.0.0.1:{web['port']}/portal/room",
                       headers={"Host": link.netloc, "Cookie": cookie.split(";", 1)[0]})
    assert portal.status_code == 200 and "My room" in portal.text
