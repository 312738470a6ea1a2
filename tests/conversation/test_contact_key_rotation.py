"""Rotating the contact key (issue 23, item 15): a returning survivor's number still finds
their conversation, opt-out and resume word, during the dual look-up period and after
`flask keys rotate-contacts` once the old key is removed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.cli import keys_cli
from app.config import load_settings
from app.crypto import ContactHasher, generate_key_token
from app.factory import create_app
from app.services import services
from app.storage import contact_values
from app.storage.models import Conversation
from tests.conftest import AUTH_TOKEN, MovableClock
from tests.support.twilio_signing import TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
TUESDAY_10AM = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
WORD = "Marigold-Lantern"
STOPPED = "+447700900456"

AppWith = Callable[..., Flask]


@pytest.fixture
def app_with(environ: dict[str, str], clock: MovableClock) -> Iterator[AppWith]:
    """Another app on the same database and instance, with some settings changed (a
    deployment after its keys were edited and every process restarted)."""
    made: list[Flask] = []

    def make(**changes: str) -> Flask:
        flask_app = create_app(load_settings({**environ, **changes}), clock)
        flask_app.config["TESTING"] = True
        made.append(flask_app)
        return flask_app

    yield make
    for flask_app in made:
        with flask_app.app_context():
            services().close()


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
