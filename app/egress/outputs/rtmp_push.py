"""One RTMP connection of a broadcast, in a process of its own (started by
rtmp.py as ``python -m app.egress.outputs.rtmp_push``): FLV on stdin,
published unchanged (packets copied) to the URL in the environment.

Why a process: PyAV opens an output URL (FFmpeg's TCP connect, RTMP
handshake and publish) holding the GIL and with no time limit on the
handshake, so inside the egress one slow or silent ingest froze every room's
media thread and the event loop (measured: the whole process stopped for as
long as a listener that never answered kept the connection). Here only this
connection waits, and the egress kills it when it waits too long.

Stdout, one line each: ``connected`` once the ingest accepted the publish,
``failed <reason>`` before a non-zero exit. The stream key is in the URL: it
never appears in either, and the URL is read from the environment so that
it is not in the process list either.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

import av

URL_VARIABLE = "CONFERA_RTMP_URL"
PARENT_VARIABLE = "CONFERA_RTMP_PARENT"  # the egress's pid
PR_SET_PDEATHSIG = 1
# RTMP is not seekable: FFmpeg would try to rewrite the header's duration on close.
FLV_OPTIONS = {"flvflags": "no_duration_filesize"}
# The egress's FLV carries its codec parameters in its first tags: no need to
# read seconds of stream to find them (FFmpeg's defaults would).
PROBE_OPTIONS = {"probesize": "4096", "analyzeduration": "0"}


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def push(url: str) -> None:
    # Unbuffered: a read returns what the pipe has instead of waiting for a full buffer.
    with open(sys.stdin.fileno(), "rb", buffering=0, closefd=False) as stdin:
        source = av.open(stdin, "r", format="flv", options=PROBE_OPTIONS)
        _relay(source, url)


def _relay(source: av.container.InputContainer, url: str) -> None:
    sink = av.open(url, "w", format="flv", container_options=FLV_OPTIONS)
    streams = {s.index: sink.add_stream_from_template(s) for s in source.streams
               if s.type in ("video", "audio")}
    sink.start_encoding()  # connects: the RTMP handshake and publish
    say("connected")
    for packet in source.demux():
        if packet.dts is None or packet.stream.index not in streams:
            continue  # the demuxer's end-of-stream packets
        packet.stream = streams[packet.stream.index]
        sink.mux(packet)
    sink.close()
    source.close()


def die_with_parent() -> None:
    """SIGKILL when the egress dies, even in a handshake that never ends (stdin
    closing would only be read once connected). Linux's prctl; elsewhere none."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (AttributeError, OSError):
        return
    if str(os.getppid()) != os.environ.get(PARENT_VARIABLE):  # it died before the call
        os._exit(1)


def main() -> int:
    die_with_parent()
    url = os.environ.pop(URL_VARIABLE, "")
    try:
        push(url)
    except (av.FFmpegError, OSError) as exc:
        say(f"failed {getattr(exc, 'strerror', None) or type(exc).__name__}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
