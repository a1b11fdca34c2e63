"""Headless Chromium (Debian's) against the real web and a real media node.

Chromium runs in a network namespace of its own, joined to this one by a veth
pair: the web and the node listen on the veth's address here, and Chromium's
only interface is the other end. So WebRTC media crosses that veth and never
touches the machine's own network interface. Every *.localhost name resolves,
inside Chromium, to the web's address."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, sync_playwright

from app.extensions import db
from app.modules.media_nodes.models import MediaNode
from tests.helpers import REPO_ROOT, confera, free_port, settings_env, wait_for_http
from tests.netns import Netns, veth_namespace
from tests.sfu.conftest import NodeProcess, new_keys

ARTIFACTS = REPO_ROOT / "test-artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.media)


@pytest.fixture(scope="session")
def netns() -> Iterator[Netns]:
    with veth_namespace("cfb") as ns:
        yield ns


@dataclass
class Platform:
    web_port: int
    address: str
    media_node_secret: str
    nodes: list[NodeProcess] = field(default_factory=list)

    def url(self, host_name: str, path: str) -> str:
        return f"http://{host_name}:{self.web_port}{path}"

    def start_node(self, node_id: str) -> NodeProcess:
        """One more media node on the veth address, registered with the web."""
        node = NodeProcess(new_keys(), node_id,
                           WEB_URL=f"http://{self.address}:{self.web_port}",
                           MEDIA_NODE_SECRET=self.media_node_secret,
                           SFU_JOIN_TOKEN_PUBLIC_KEY="", SFU_LISTEN_HOST=self.address,
                           SFU_ICE_ADDRESSES=self.address, health_host=self.address)
        self.nodes.append(node)
        return node


@pytest.fixture(scope="module")
def platform(request: pytest.FixtureRequest, settings, netns: Netns) -> Iterator[Platform]:
    """`confera web` and one `confera sfu`, both on the veth address; a test
    module's ``WEB_ENV`` adds settings of its own."""
    port = free_port()
    web_url = f"http://{netns.host_address}:{port}"
    env = settings_env(settings, PUBLIC_SCHEME="http", PUBLIC_PORT=str(port),
                       MEDIA_NODE_HEARTBEAT_SECONDS="1",
                       # The nodes reach the web, and are reached, on the veth address.
                       NODE_API_HOSTS=netns.host_address,
                       MEDIA_NODE_ALLOWED_HOSTS=netns.host_address,
                       **getattr(request.module, "WEB_ENV", {}))
    web = confera("web", "--host", netns.host_address, "--port", str(port), env=env)
    running = Platform(port, netns.host_address, settings.media_node_secret)
    try:
        wait_for_http(web_url + "/enterprise_api/openapi.json", "x")
        running.start_node("browser-node")
        yield running
    finally:
        for node in running.nodes:
            node.stop()
        web.terminate()
        web.wait(timeout=15)


@pytest.fixture(autouse=True)
def _node_registered(request: pytest.FixtureRequest) -> None:
    """Each test starts with the node in the registry: the previous test's
    clean-up deleted every row, and the node's next heartbeat brings it back."""
    if "platform" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    deadline = time.monotonic() + 10
    with app.app_context():
        while db.session.execute(sa.select(MediaNode.id)).first() is None:
            if time.monotonic() > deadline:
                raise TimeoutError("the media node did not register")
            db.session.rollback()
            time.sleep(0.1)
        db.session.rollback()


@pytest.fixture(scope="module")
def browser(netns: Netns, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    executable = netns.chromium_wrapper(tmp_path_factory.mktemp("chromium"))
    with sync_playwright() as playwright:
        yield playwright.chromium.launch(executable_path=executable,
                                         args=netns.chromium_args())


class StaticSite:
    """A page of another origin (an integrator's site), served on the veth."""

    def __init__(self, address: str, root: Path):
        handler = partial(SimpleHTTPRequestHandler, directory=str(root))
        self.server = ThreadingHTTPServer((address, 0), handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site(netns: Netns, tmp_path: Path) -> Iterator[tuple[StaticSite, Path]]:
    served = StaticSite(netns.host_address, tmp_path)
    yield served, tmp_path
    served.close()


MODERATOR_PIN = "4321"


@pytest.fixture
def moderated_room(platform, make_reseller, make_company, make_host) -> str:
    """The URL of a host's room whose moderator PIN is MODERATOR_PIN."""
    company = make_company(make_reseller())
    host = make_host(company, moderator_pin=MODERATOR_PIN)
    return platform.url(company["host_name"], f"/conf/call/{host['access_code']}")


def open_room(browser: Browser, url: str, name: str, moderator_pin: str = "",
              meeting_pin: str = "") -> Page:
    """A new page that asked to join ``url`` (not waiting for the answer)."""
    page = browser.new_page()
    page.goto(url)
    page.fill("#display-name", name)
    if meeting_pin:
        page.fill("#security-pin", meeting_pin)
    if moderator_pin:
        page.click("summary")
        page.fill("#moderator-pin", moderator_pin)
    page.click("#join")
    return page


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
