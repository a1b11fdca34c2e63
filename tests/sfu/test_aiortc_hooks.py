"""The aiortc internals the node relies on are still there (fails on upgrade)."""

from __future__ import annotations

import aioice.ice

from app.sfu.aiortc_hooks import check_internals, restrict_host_addresses


def test_the_private_names_the_node_uses_exist_in_the_pinned_aiortc():
    check_internals()  # raises InternalsChanged, naming what is missing


def test_gathering_is_restricted_to_the_configured_addresses():
    restrict_host_addresses(["127.0.0.1", "::1"])
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False) == ["127.0.0.1"]
    assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == ["127.0.0.1", "::1"]
    restrict_host_addresses(["127.0.0.1"])  # as tests/sfu/conftest.py left it
