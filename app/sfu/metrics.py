"""The node's Prometheus metrics, read from the node when scraped: what it
carries (the load its heartbeats report), the packets it forwarded and
dropped, and the process's CPU and memory (prometheus_client's process
collector). One registry per node, not the global one."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.sfu.forwarding import RETIRED
from app.sfu.node import Node

LOAD_GAUGES = (
    ("sessions", "Sessions (meetings) running on this node."),
    ("participants", "Participants connected to this node."),
    ("published_tracks", "Tracks published to this node."),
    ("forwarded_streams", "Streams forwarded: published tracks times their subscribers."),
    ("cpu", "Cores this process used over the last heartbeat interval."),
    ("max_participants", "Participants this node takes at most (0: no limit)."),
)


class NodeCollector(Collector):
    def __init__(self, node: Node):
        self.node = node

    def collect(self) -> Iterable[Metric]:
        load = vars(self.node.load(sample_cpu=False))
        for name, help_text in LOAD_GAUGES:
            metric = "cpu_cores" if name == "cpu" else name
            yield GaugeMetricFamily(f"confera_sfu_{metric}", help_text, value=load[name])
        sent, dropped = self._packets()
        yield CounterMetricFamily("confera_sfu_packets_forwarded",
                                  "RTP packets sent to subscribers.", value=sent)
        yield CounterMetricFamily("confera_sfu_packets_dropped",
                                  "RTP packets for subscribers dropped: a full queue (a "
                                  "subscriber too slow) or a connection not up.", value=dropped)
        yield GaugeMetricFamily("confera_sfu_ready", "1 when the web takes this node as live.",
                                value=float(self.node.not_ready_because() is None))
        yield GaugeMetricFamily("confera_sfu_draining", "1 while the node takes no new sessions.",
                                value=float(self.node.draining))

    def _packets(self) -> tuple[int, int]:
        outputs = [p.output for s in list(self.node.sessions.values())
                   for p in list(s.participants.values()) if p.output.running]
        return (RETIRED.sent + sum(o.sent for o in outputs),
                RETIRED.dropped + sum(o.dropped for o in outputs))


def node_registry(node: Node) -> CollectorRegistry:
    """What the node's /metrics shows."""
    registry = CollectorRegistry()
    registry.register(NodeCollector(node))
    ProcessCollector(registry=registry)
    return registry
