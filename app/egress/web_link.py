"""The egress's link to the web: signed heartbeats (load, sessions) and
output events, in batches, logged and retried as a media node's are
(``SignedLink``, app/sfu/web_link.py)."""

from __future__ import annotations

from app.egress.egress import Egress
from app.protocol import egress_api
from app.protocol.messages import Message, parse_as
from app.sfu.web_link import SignedLink

EGRESS_HEADER = "X-Confera-Egress"


class WebLink(SignedLink[egress_api.OutputEvent]):
    events_path = egress_api.EVENTS_PATH

    def __init__(self, egress: Egress):
        settings = egress.settings
        super().__init__(web_url=settings.web_url, secret=settings.media_node_secret,
                         sender=(EGRESS_HEADER, settings.egress_id),
                         interval=settings.heartbeat_seconds, owner=egress,
                         events=egress.events)
        self.egress = egress
        self.settings = settings

    async def _beat(self) -> None:
        heartbeat = egress_api.EgressHeartbeat(
            egress_id=self.settings.egress_id, control_url=self.settings.control_url,
            started_at=self.egress.started_at, load=self.egress.load(),
            session_ids=self.egress.session_ids(), draining=self.egress.draining)
        ack = parse_as(egress_api.EgressHeartbeatAck,
                       await self._post(egress_api.HEARTBEAT_PATH, heartbeat))
        self.interval = ack.interval_seconds
        self.egress.web_answered(ack.dead_after_seconds)

    def _batch(self, events: list[egress_api.OutputEvent]) -> Message:
        return egress_api.EgressEvents(egress_id=self.settings.egress_id, events=events)
