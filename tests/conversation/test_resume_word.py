"""The resume word: nothing from before is shown on a number until the survivor's word is sent.

docs/threat-model.md, A2: someone else who picks up the phone and texts "what did you tell me?"
must learn nothing: they get the ordinary welcome, and advocates' replies wait.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.services import services
from app.storage import transcripts
from app.storage.models import Conversation, Reply, ResumeWord
from app.worker import sweeper
from tests.conftest import MovableClock
from tests.support.cases import claim, latest_case, send_reply
from tests.support.fake_twilio import FakeTwilio
from tests.support.staff import TUESDAY_10AM
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
WORD = "Marigold-Lantern"
REPLY = "Hello, this is Sam. I can talk now if you can."


@pytest.fixture
def with_word(twilio: TwilioSigner, clock: MovableClock) -> None:
    """A survivor who asked for a person and then set a resume word."""
    clock.set(TUESDAY_10AM)
    twilio.sms("person")
    assert "Choose a word" in twilio.sms("my word").get_data(as_text=True)
    assert "saved" in twilio.sms(WORD).get_data(as_text=True)


def texts(app: Flask) -> list[str]:
    """The only conversation's transcript, opened."""
    with app.app_context(), services().database.transaction() as connection:
        conversation_id = connection.execute(select(Conversation.id)).scalar_one()
        return [m.body for m in transcripts.transcript(connection, services().keyring,
                                                  conversation_id)]


def test_a_short_word_is_refused_and_asked_again(twilio: TwilioSigner) -> None:
    twilio.sms("my word")
    assert "at least 4 letters" in twilio.sms("abc").get_data(as_text=True)
    assert "saved" in twilio.sms("long enough").get_data(as_text=True)


@pytest.mark.databases("sqlite")  # reads the SQLite file; PostgreSQL: test_postgres.py
def test_the_word_is_kept_only_as_a_keyed_hash(app: Flask, database_path: Path,
                                               with_word: None) -> None:
    with app.app_context(), services().database.session() as session:
        (row,) = session.scalars(select(ResumeWord))
        assert WORD.casefold() not in row.word_hash
    assert WORD not in "\n".join(texts(app))
    assert "[the survivor set a resume word]" in texts(app)
    with app.app_context(), services().database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = database_path.read_bytes()
    assert WORD.encode() not in raw
    assert WORD.casefold().encode() not in raw


def test_a_later_conversation_reveals_nothing_until_the_word(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, clock: MovableClock,
        with_word: None, advocate: FlaskClient) -> None:
    case_id = latest_case(twilio)
    clock.advance(timedelta(hours=5))  # the conversation went idle
    # Someone else has the phone.
    first = twilio.sms("what did you tell me?").get_data(as_text=True)
    assert "reply with your word" in first
    assert "passed on" not in first
    # An advocate answers meanwhile: it must wait.
    claim(advocate, case_id)
    assert "resume word" in advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    send_reply(advocate, case_id, REPLY)
    with app.app_context():
        sweeper.sweep()
    assert fake_twilio.count(to=SURVIVOR) == 0
    # A wrong guess gets an ordinary answer, and still nothing.
    wrong = twilio.sms("bluebell daisy").get_data(as_text=True)
    assert "Anything waiting" not in wrong
    with app.app_context():
        sweeper.sweep()
    assert fake_twilio.count(to=SURVIVOR) == 0
    # The survivor's word: the reply follows.
    right = twilio.sms(WORD.lower()).get_data(as_text=True)
    assert "Anything waiting for you will follow" in right
    with app.app_context():
        sweeper.sweep()
    assert fake_twilio.count(to=SURVIVOR) == 1
    assert WORD.lower() not in "\n".join(texts(app))


def test_without_a_word_a_later_conversation_is_not_locked(
        app: Flask, twilio: TwilioSigner, clock: MovableClock) -> None:
    clock.set(TUESDAY_10AM)
    twilio.sms("person")
    clock.advance(timedelta(hours=5))
    assert "your word" not in twilio.sms("hello again").get_data(as_text=True)
    with app.app_context(), services().database.session() as session:
        assert list(session.scalars(select(Reply))) == []
