"""The doc client test meets a real node: the media tests' fixtures (the node
process, join tokens) serve it too."""

from tests.sfu.conftest import grant, keys, node  # noqa: F401
