"""The egress's Prometheus metrics, read when scraped: rooms and outputs it
runs, the CPU it used, how many pictures it composed and encoded and how
long that took (so how much faster than real time it encodes), and the
process's CPU and memory. One registry per egress, not the global one."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.egress.egress import Egress
from app.egress.media_loop import RETIRED


class EgressCollector(Collector):
    def __init__(self, egress: Egress):
        self.egress = egress

    def collect(self) -> Iterable[Metric]:
        load = self.egress.load(sample_cpu=False)
        yield GaugeMetricFamily("confera_egress_rooms", "Sessions this egress composes.",
                                value=load.sessions)
        yield GaugeMetricFamily("confera_egress_outputs",
                                "Outputs running (live streams, recordings, broadcasts ...).",
                                value=load.outputs)
        yield GaugeMetricFamily("confera_egress_cpu_cores",
                                "Cores this process used over the last heartbeat interval.",
                                value=load.cpu)
        yield GaugeMetricFamily("confera_egress_max_sessions",
                                "Sessions this egress takes at most (0: no limit).",
                                value=load.max_sessions)
        pictures, seconds, realtime = self._encoding()
        yield CounterMetricFamily("confera_egress_pictures_encoded",
                                  "Pictures composed and encoded.", value=pictures)
        yield CounterMetricFamily("confera_egress_encode_seconds",
                                  "Seconds spent composing and encoding pictures.", value=seconds)
        yield GaugeMetricFamily(
            "confera_egress_encode_speed",
            "How much faster than real time the open rooms compose and encode "
            "(below 1: they fall behind); 0 with no room open.", value=realtime)
        yield GaugeMetricFamily("confera_egress_draining", "1 while it takes no new sessions.",
                                value=float(self.egress.draining))

    def _encoding(self) -> tuple[int, float, float]:
        loops = [room.media for room in list(self.egress.rooms.values()) if not room.closed]
        busy = sum(loop.encode_seconds for loop in loops)
        media_seconds = sum(loop.pictures / loop.fps for loop in loops)
        realtime = media_seconds / busy if busy > 0 else 0.0
        return (RETIRED.pictures + sum(loop.pictures for loop in loops),
                RETIRED.seconds + busy, realtime)


def egress_registry(egress: Egress) -> CollectorRegistry:
    """What the egress's /metrics shows."""
    registry = CollectorRegistry()
    registry.register(EgressCollector(egress))
    ProcessCollector(registry=registry)
    return registry
