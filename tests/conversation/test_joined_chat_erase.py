"""The page's "delete this conversation" after the chat joined its safe number.

docs/threat-model.md, A1/A4. Joining makes the web chat the number's SMS conversation (found by
the number from then on, app/conversation/safe_numbers.py); the page that shows it may still be
open, and when it says "deleted" nothing of it may stay on the server: not the chat, not the
texts since, not the provider's copies. Through the real /chat routes and the signed webhook.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.services import Services
from app.storage import contact_values, transcripts
from app.storage import safe_numbers as safe_number_rows
from app.storage.models import Conversation, JoinedChat, Message, Reply, SafeNumber
from tests.conftest import MovableClock
from tests.support.cases import claim, send_reply
from tests.support.fake_twilio import FakeTwilio
from tests.support.return_codes import chat
from tests.support.safe_numbers import SAFE_NUMBER, number_given
from tests.support.twilio_signing import SERVICE_NUMBER, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
FROM_THE_PHONE = "Marigold ferry 5512 it is me from the safe phone"
REPLY = "Hello, this is Sam. Is now a good time?"
STILL_ON_THE_PHONE = "The texts on your phone are still there"


def text_from_the_phone(twilio: TwilioSigner, fake: FakeTwilio, body: str) -> None:
    """A text from the safe number, kept at the fake Twilio as Twilio keeps it."""
    params = twilio.sms_params(body, sender=SAFE_NUMBER)
    fake.add_inbound(params["MessageSid"], SAFE_NUMBER, SERVICE_NUMBER, body)
    assert twilio.post("/webhooks/twilio/sms", params).status_code == 200


def count(built: Services, model: type) -> int:
    with built.database.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def erase(survivor: FlaskClient, token: str, earlier: list[str] | None = None
          ) -> dict[str, object]:
    answer = survivor.post("/chat/erase", json={"token": token, "earlier": earlier or [],
                                                "language": "en"})
    assert answer.status_code == 200
    data: dict[str, object] = answer.get_json()
    return data


def test_the_page_deletes_the_chat_it_joined_to_the_number_with_the_texts_since(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        built: Services, clock: MovableClock) -> None:
    clock.set(datetime.now(UTC))  # the fake Twilio dates messages by the real clock
    given = number_given(app)
    claim(advocate, given.case_id)
    text_from_the_phone(twilio, fake_twilio, FROM_THE_PHONE)  # joins the chat to the number
    send_reply(advocate, given.case_id, REPLY)
    with built.database.session() as session:
        (joined,) = session.scalars(select(Conversation)).all()
        assert joined.channel == "sms"  # the number's conversation now, not the token's
    kept_at_twilio = [m.sid for m in fake_twilio.messages if SAFE_NUMBER in (m.to, m.from_)]
    assert kept_at_twilio  # the text, and the flow's answer to it

    answer = erase(given.survivor, given.token)

    assert answer["erased"] is True
    assert STILL_ON_THE_PHONE in str(answer["message"])
    for model in (Conversation, Message, Reply, SafeNumber, JoinedChat):
        assert count(built, model) == 0, model.__name__
    assert sorted(fake_twilio.deleted) == sorted(kept_at_twilio)
    page = advocate.get(f"/advocates/cases/{given.case_id}")
    assert page.status_code == 410
    # The number's next text starts afresh: nothing of the chat comes back to it.
    text_from_the_phone(twilio, fake_twilio, "hello again")
    with built.database.transaction() as connection:
        (fresh,) = connection.execute(select(Conversation.id)).scalars().all()
        bodies = [m.body for m in transcripts.transcript(connection, built.keyring, fresh)]
    assert FROM_THE_PHONE not in bodies
    assert "weekdays 6-8pm" not in bodies


def test_the_numbers_own_earlier_conversation_which_the_page_never_showed_stays(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, built: Services) -> None:
    text_from_the_phone(twilio, fake_twilio, "what are your opening times")  # no case
    given = number_given(app)
    text_from_the_phone(twilio, fake_twilio, FROM_THE_PHONE)
    assert count(built, Conversation) == 2

    assert erase(given.survivor, given.token)["erased"] is True

    with built.database.transaction() as connection:
        (own,) = connection.execute(select(Conversation.id)).scalars().all()
        bodies = [m.body for m in transcripts.transcript(connection, built.keyring, own)]
    assert "what are your opening times" in bodies
    assert FROM_THE_PHONE not in bodies


def test_a_chat_sent_on_after_joining_is_deleted_with_the_joined_one(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, built: Services) -> None:
    """After the join the page's token finds no conversation, so its next message starts a
    new one under the same token: the page shows both, and deletes both."""
    given = number_given(app)
    text_from_the_phone(twilio, fake_twilio, FROM_THE_PHONE)
    chat(given.survivor, given.token, "are you still there")
    other = app.test_client()
    other_token = other.post("/chat/start").get_json()["token"]
    chat(other, other_token, "someone else's chat")
    assert count(built, Conversation) == 3

    assert erase(given.survivor, given.token)["erased"] is True

    assert count(built, Conversation) == 1  # only the other page's chat
    assert count(built, JoinedChat) == 0


def test_a_chat_whose_number_has_not_written_is_deleted_with_the_plain_words(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, built: Services) -> None:
    """Before the number writes the chat is still the token's: the usual deletion, and the
    number waiting for its first text goes with it, so a later text joins nothing."""
    given = number_given(app)
    answer = erase(given.survivor, given.token)
    assert answer == {"erased": True, "message": "This conversation has been deleted."}
    assert count(built, SafeNumber) == 0
    text_from_the_phone(twilio, fake_twilio, FROM_THE_PHONE)
    with built.database.session() as session:
        (fresh,) = session.scalars(select(Conversation)).all()
    assert fresh.channel == "sms"
    assert count(built, JoinedChat) == 0


def test_the_kept_token_value_moves_with_the_contact_key(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, built: Services) -> None:
    """It is a contact value like the others: `flask keys rotate-contacts` lists and moves it,
    or the page's delete would stop finding the chat once the old key is removed."""
    given = number_given(app)
    text_from_the_phone(twilio, fake_twilio, FROM_THE_PHONE)
    moved = "f" * 64
    with built.database.transaction() as connection:
        old = built.conversations.contact_hash("web", given.token)
        assert old in contact_values.all_stored(connection)
        contact_values.move(connection, built.conversations.hasher, old, moved)
        assert safe_number_rows.joined_by_chat(connection, old) == []
        assert len(safe_number_rows.joined_by_chat(connection, moved)) == 1
