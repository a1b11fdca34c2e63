"""Which class writes each kind of output."""

from __future__ import annotations

from app.egress.outputs import Output, Report
from app.egress.outputs.hls import HlsOutput
from app.egress.outputs.recording import RecordingOutput
from app.egress.outputs.rtmp import RtmpOutput
from app.egress.outputs.snapshot import SnapshotOutput
from app.egress.outputs.uploader import Store
from app.protocol.egress_api import OutputKind, OutputSpec


class UnsupportedOutput(Exception):
    pass


def build_output(spec: OutputSpec, report: Report, store: Store) -> Output:
    """A new output for ``spec`` (not opened yet), or ``UnsupportedOutput``."""
    if spec.kind is OutputKind.HLS:
        return HlsOutput(spec, report, store=store)
    if spec.kind is OutputKind.RECORDING:
        return RecordingOutput(spec, report, store=store)
    if spec.kind is OutputKind.SNAPSHOT:
        return SnapshotOutput(spec, report, store=store)
    if spec.kind is OutputKind.RTMP:
        return RtmpOutput(spec, report)
    raise UnsupportedOutput(f"unknown output kind {spec.kind}")
