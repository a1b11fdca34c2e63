"""The outputs tests' fake egress and running meeting, for livestream events."""

from tests.modules.outputs.conftest import (  # noqa: F401
    act,
    egress_beat,
    egress_events,
    fake_egress,
    meeting,
)
