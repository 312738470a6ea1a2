"""Rotating the contact key (issue 23, item 15): a returning survivor's number still finds
their conversation, opt-out and resume word, during the dual look-up period and after
`flask keys rotate-contacts` once the old key is removed."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from app.cli import keys_cli
from app.crypto import ContactHasher, generate_key_token, parse_key_token
from app.flows.text import normalise
from app.services import services
from app.storage import contact_values
from app.storage.models import Conversation, OptOut, ResumeWord
from tests.conftest import AUTH_TOKEN, AppWith, MovableClock
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
TUESDAY_10AM = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
WORD = "Marigold-Lantern"
STOPPED = "+447700900456"



@pytest.fixture
def history(twilio: TwilioSigner, clock: MovableClock) -> None:
    """Under the first contact key: a survivor with a case and a resume word, and another
    number that sent STOP."""
    clock.set(TUESDAY_10AM)
    twilio.sms("person")
    assert "Choose a word" in twilio.sms("my word").get_data(as_text=True)
    assert "saved" in twilio.sms(WORD).get_data(as_text=True)
    twilio.sms("hello", sender=STOPPED)
    twilio.sms("STOP", sender=STOPPED)
    clock.advance(timedelta(hours=5))  # the survivor's conversation went idle


def conversations(app: Flask) -> int:
    with app.app_context(), services().database.session() as session:
        return int(session.scalar(select(func.count()).select_from(Conversation)) or 0)


def stored_values(app: Flask) -> list[str]:
    with app.app_context(), services().database.transaction() as connection:
        return contact_values.all_stored(connection)


def the_survivor_is_recognised(app: Flask) -> None:
    sms = TwilioSigner(app.test_client(), AUTH_TOKEN)
    first = sms.sms("hello again").get_data(as_text=True)
    assert "reply with your word" in first  # the word was found: the history stays locked
    assert "Anything waiting for you will follow" in sms.sms(WORD.lower()).get_data(
        as_text=True)
    # The opt-out was found: still no answer to that number.
    assert "<Message>" not in sms.sms("are you there", sender=STOPPED).get_data(as_text=True)


def test_with_the_old_key_still_listed_everything_is_found_and_moved(
        app: Flask, app_with: AppWith, environ: dict[str, str], history: None) -> None:
    old, new = environ["QUIETLINE_CONTACT_KEY"], generate_key_token()
    before = conversations(app)
    during = app_with(QUIETLINE_CONTACT_KEY=f"{new},{old}")
    the_survivor_is_recognised(during)
    assert conversations(during) == before  # the same conversations, none started afresh
    # Both contacts wrote again, so both moved to the new key on the way.
    assert all(ContactHasher(new).is_current(value) for value in stored_values(during))


def test_after_re_keying_and_removing_the_old_key_a_returning_survivor_is_found(
        app: Flask, app_with: AppWith, environ: dict[str, str], history: None) -> None:
    old, new = environ["QUIETLINE_CONTACT_KEY"], generate_key_token()
    before = conversations(app)
    during = app_with(QUIETLINE_CONTACT_KEY=f"{new},{old}")
    result = during.test_cli_runner().invoke(keys_cli, ["rotate-contacts", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "2 contacts re-keyed" in result.output
    assert "can be removed" in result.output
    assert all(ContactHasher(new).is_current(value) for value in stored_values(during))
    again = during.test_cli_runner().invoke(keys_cli, ["rotate-contacts"])
    assert "0 contacts re-keyed" in again.output  # resumable: nothing is done twice
    after = app_with(QUIETLINE_CONTACT_KEY=new)
    the_survivor_is_recognised(after)
    assert conversations(after) == before


def legacy(token: str, message: str) -> str:
    """The look-up values of the format before re-keyable ones: HMAC-SHA256 under the key."""
    return hmac.new(parse_key_token(token), message.encode(), hashlib.sha256).hexdigest()


def test_values_stored_before_the_re_keyable_format_are_found_upgraded_and_rotated(
        app: Flask, app_with: AppWith, environ: dict[str, str], clock: MovableClock,
        history: None) -> None:
    """A database written before this change: its HMAC values still find the survivor; they
    move to the new format when the survivor writes, and then rotate like any other."""
    key = environ["QUIETLINE_CONTACT_KEY"]
    survivor_old = legacy(key, f"sms:{SURVIVOR}")
    stopped_old = legacy(key, f"sms:{STOPPED}")
    word_old = legacy(key, f"resume-word:{survivor_old}:{normalise(WORD)}")
    with app.app_context(), services().database.transaction() as connection:
        hasher = services().conversations.hasher
        for number, old in ((SURVIVOR, survivor_old), (STOPPED, stopped_old)):
            for table in (Conversation, OptOut, ResumeWord):
                connection.execute(update(table).where(
                    table.contact_hash == hasher.hash("sms", number)).values(contact_hash=old))
        connection.execute(update(ResumeWord).values(word_hash=word_old))
    the_survivor_is_recognised(app)
    hasher = ContactHasher(key)
    assert all(hasher.is_current(value) for value in stored_values(app))
    with app.app_context(), services().database.session() as session:
        assert len(session.scalars(select(ResumeWord.word_hash)).one()) == 40  # upgraded
    new = generate_key_token()
    during = app_with(QUIETLINE_CONTACT_KEY=f"{new},{key}")
    result = during.test_cli_runner().invoke(keys_cli, ["rotate-contacts"])
    assert "can be removed" in result.output, result.output
    clock.advance(timedelta(hours=5))  # idle again: the word is asked for again
    the_survivor_is_recognised(app_with(QUIETLINE_CONTACT_KEY=new))
