"""The parts of ``bench/sfu.py``, the forwarding benchmark: the systems under test (Janus,
the aiortc relay, Confera's node), the client processes that publish and subscribe, the
processes' figures from /proc, and the report."""
