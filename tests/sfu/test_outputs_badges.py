"""SetOutputs: the web tells a node which outputs run; every participant,
and whoever joins later, gets the badges as one `outputs` message."""

from __future__ import annotations

import asyncio

from app.protocol import node_api
from app.protocol import signalling as sig
from tests.sfu.client import NodeClient, joined_client
from tests.sfu.conftest import control, new_session, run


async def joined(url: str, token: str) -> NodeClient:
    return await joined_client(url, token)


def test_the_badges_reach_everyone_and_later_joiners(node, grant):
    async def scenario() -> None:
        session = new_session()
        first = await joined(*grant(session))
        late = None
        try:
            answer = await control(node, node_api.SetOutputs(
                session_id=session, live=True, recording=False, live_state="live",
                recording_state="failed", reason="no space left"))
            assert answer.status_code == 200 and answer.json()["ok"] is True
            outputs = await first.wait_for(sig.Outputs)
            assert (outputs.live, outputs.recording, outputs.live_state,
                    outputs.recording_state, outputs.reason) == \
                (True, False, "live", "failed", "no space left")
            late = await joined(*grant(session))
            assert (await late.wait_for(sig.Outputs)).live is True
        finally:
            await asyncio.gather(first.close(), *([late.close()] if late else []))

    run(scenario())


def test_badges_for_a_session_not_on_the_node_are_404(node):
    answer = run(control(node, node_api.SetOutputs(session_id="nobody-here", live=True,
                                                   recording=True)))
    assert answer.status_code == 404 and answer.json()["ok"] is False
