"""The SMS sender interface: the dev outbox by default, an operator's class
named by SMS_SENDER otherwise, a wrong name refused at start."""

from __future__ import annotations

import pytest

from app.environment import ConfigError
from app.jobs.worker import Worker
from app.modules.conferences.reminders import SEND_SMS
from app.modules.conferences.sms import OutboxSmsSender, sms_sender

SENT: list[tuple[str, str]] = []


class RecordingSender:
    """What an operator plugs in: built with the settings, send(to, text)."""

    def __init__(self, settings):
        self.settings = settings

    def send(self, to: str, text: str) -> None:
        SENT.append((to, text))


def test_by_default_each_text_is_a_file_in_the_outbox(settings, tmp_path):
    sender = sms_sender(settings.with_(instance_path=str(tmp_path)))
    assert isinstance(sender, OutboxSmsSender)
    sender.send("+14165551234", "Standup starts in 15 min: https://joe.example/conf/call/1")
    [file] = (tmp_path / "outbox").iterdir()
    assert file.suffix == ".sms"
    assert file.read_text() == ("To: +14165551234\n\n"
                                "Standup starts in 15 min: https://joe.example/conf/call/1\n")


def test_an_operators_sender_gets_the_send_jobs(app, app_with):
    SENT.clear()
    with app.app_context():
        from app.extensions import db
        from app.jobs import enqueue

        enqueue(SEND_SMS, {"to": "+14165551234", "text": "hello"})
        db.session.commit()
    name = f"{__name__}.RecordingSender"
    assert Worker(app_with(sms_sender=name)).run_until_idle() == 1
    assert SENT == [("+14165551234", "hello")]


@pytest.mark.parametrize("name", ["RecordingSender", "tests.no_such_module.Sender",
                                  f"{__name__}.NoSuchClass"])
def test_a_wrong_sms_sender_stops_the_start(settings, name):
    with pytest.raises(ConfigError, match="SMS_SENDER"):
        settings.with_(sms_sender=name)
