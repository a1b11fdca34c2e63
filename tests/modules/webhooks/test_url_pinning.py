"""A delivery connects to the address its URL's check approved, never to
what a later lookup of the same name answers (DNS rebinding)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from app.jobs.worker import Worker
from app.modules.access import HostRole
from app.modules.webhooks import url_guard
from app.modules.webhooks.url_guard import pinned
from tests.webhooks import create_webhook, emit_host_event, running_receiver

NAME = "hooks.rebinding.test"
OUTSIDE, INSIDE = "127.0.0.2", "127.0.0.1"  # stand-ins for a public and an internal address


@pytest.mark.parametrize(("url", "address", "expected"), [
    ("https://hooks.example.com/a?b=1", "93.184.216.34",
     ("https://93.184.216.34/a?b=1", "hooks.example.com", "hooks.example.com")),
    ("http://Hooks.Example.com:8080/x", "93.184.216.34",
     ("http://93.184.216.34:8080/x", "Hooks.Example.com:8080", "hooks.example.com")),
    ("https://hooks.example.com:8443/", "2606:2800:220:1::1",
     ("https://[2606:2800:220:1::1]:8443/", "hooks.example.com:8443", "hooks.example.com")),
])
def test_a_pinned_request_names_the_address_and_keeps_host_and_tls_name(url, address, expected):
    target = pinned(url, address)
    assert (target.url, target.host, target.server_name) == expected


def test_a_name_that_rebinds_after_the_check_still_reaches_the_checked_address(
        app, app_with, client, make_reseller, make_company, make_host, token_for, monkeypatch):
    company = make_company(make_reseller())
    token = token_for(make_host(company, HostRole.COMPANY_ADMIN))
    real_lookup = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != NAME:
            return real_lookup(host, port, *args, **kwargs)
        lookups.append(host)  # the first answer passes the check; later ones point inside
        address = OUTSIDE if len(lookups) == 1 else INSIDE
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    with running_receiver(bind=OUTSIDE) as outside:
        port = int(outside.url.rsplit(":", 1)[1].split("/")[0])
        with running_receiver(bind=INSIDE, port=port) as inside:  # the same port, inside
            create_webhook(client, company, token, f"http://{NAME}:{port}/hook")
            emit_host_event(app, company)
            monkeypatch.setattr(url_guard, "is_public", lambda address: address == OUTSIDE)
            monkeypatch.setattr(socket, "getaddrinfo", rebinding)
            Worker(app_with(webhook_allow_private=False)).run_until_idle()
    assert len(outside.received) == 1 and inside.received == []
    assert outside.received[0].headers["Host"] == f"{NAME}:{port}"
