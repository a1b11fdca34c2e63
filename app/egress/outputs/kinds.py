"""Which class writes each kind of output."""

from __future__ import annotations

import importlib

from app.egress.outputs import Output, Report
from app.egress.outputs.hls import HlsOutput
from app.egress.outputs.recording import RecordingOutput
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
        # outputs/rtmp.py: RtmpOutput(spec, report), an OutputBase; no storage.
        try:
            module = importlib.import_module("app.egress.outputs.rtmp")
        except ImportError as exc:
            raise UnsupportedOutput("this egress has no RTMP output") from exc
        output: Output = module.RtmpOutput(spec, report)
        return output
    raise UnsupportedOutput(f"unknown output kind {spec.kind}")
