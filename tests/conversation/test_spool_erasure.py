"""A message the fail-safe spooled is not stored after its survivor erased the conversation.

The soak (issue 22) saw it: a web-chat message answered by the fail-safe while SQLite's write
lock timed out, the survivor erased the chat seconds later, and the sweeper's replay then stored
the message in a new conversation of its own, after the erasure (docs/threat-model.md, A4).
Now an erasure removes that contact's entries from the spool, in Redis and on disk.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.content.failsafe import EMERGENCY_TEXT_EN
from app.services import Services
from app.storage.models import Conversation, Message
from tests.channels.test_webchat import send, start
from tests.conftest import MovableClock
from tests.conversation.test_spool import TUESDAY_10AM
from tests.conversation.test_spool_on_disk import (
    _refused,
    database_locked,
    sweep,
    waiting_files,
)
from tests.support.sms import count, reply_text
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.usefixtures("fake_twilio", "inline_jobs")


def test_an_sms_spooled_before_the_erasure_is_not_stored_after_it(
        app: Flask, built: Services, twilio: TwilioSigner, clock: MovableClock,
        database_path: Path) -> None:
    clock.set(TUESDAY_10AM)
    twilio.sms("hello")
    with database_locked(built, database_path):
        assert reply_text(twilio.sms("person")) == EMERGENCY_TEXT_EN
    assert built.spool.size() == 1
    twilio.sms("delete")
    assert "deleted" in twilio.sms("1").get_data(as_text=True)
    assert built.spool.size() == 0
    sweep(app)
    assert count(built, Conversation) == 0
    assert count(built, Message) == 0


def test_a_chat_message_spooled_before_the_erasure_is_not_stored_after_it(
        app: Flask, built: Services, client: FlaskClient, database_path: Path) -> None:
    token = start(client)
    assert send(client, token, "hello").status_code == 200
    with database_locked(built, database_path):
        assert send(client, token, "person").status_code == 503
    assert built.spool.size() == 1
    erased = client.post("/chat/erase", json={"token": token, "language": "en"})
    assert erased.get_json()["erased"] is True
    assert built.spool.size() == 0
    sweep(app)
    assert count(built, Conversation) == 0


def test_an_entry_waiting_on_disk_is_forgotten_too_and_others_stay(
        app: Flask, built: Services, twilio: TwilioSigner, clock: MovableClock,
        database_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock.set(TUESDAY_10AM)
    twilio.sms("hello")
    with monkeypatch.context() as patch:
        patch.setattr(built.spool.redis, "xadd", _refused)
        with database_locked(built, database_path):
            twilio.sms("person")
            twilio.sms("person", sender="+447700900456")  # another survivor's
    assert len(waiting_files(built)) == 2
    twilio.sms("delete")
    twilio.sms("1")
    assert len(waiting_files(built)) == 1
    sweep(app)
    assert count(built, Conversation) == 1  # only the other survivor's, stored
