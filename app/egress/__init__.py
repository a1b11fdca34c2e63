"""The egress process (``confera egress``): joins a session as a hidden
recorder, composes one picture and one sound, encodes them once and feeds
every output of that session (HLS, recording, RTMP, snapshot). Imports no
web stack (tests/test_import_boundaries.py)."""
