"""A provider's message id de-duplicates only within the sender's own conversation (issue 23,
item 8): another survivor's id is a new message, never answered with someone else's reply."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.services import Services
from app.storage.models import Conversation, Message
from tests.channels.test_webchat import next_id, send, start
from tests.support.sms import reply_text
from tests.support.twilio_signing import TwilioSigner, new_sid

pytestmark = pytest.mark.databases("sqlite", "postgresql")
OTHER_SURVIVOR = "+447700900456"


def messages_per_conversation(built: Services) -> list[int]:
    with built.database.session() as session:
        return sorted(session.execute(
            select(func.count(Message.id)).join(Conversation)
            .group_by(Message.conversation_id)).scalars())


def test_an_sms_id_seen_in_another_conversation_is_a_new_message_with_its_own_reply(
    twilio: TwilioSigner, built: Services
) -> None:
    sid = new_sid()
    reply_text(twilio.sms("hello"))
    first = reply_text(twilio.sms("2", sid=sid))  # a menu answer: not the welcome
    second = reply_text(twilio.sms("hello", sender=OTHER_SURVIVOR, sid=sid))
    assert second != first
    assert second is not None
    assert second.startswith("Hi, thanks for your message.")
    assert messages_per_conversation(built) == [2, 4]


def test_a_chat_id_used_by_another_conversation_is_a_new_message_with_its_own_reply(
    client: FlaskClient, built: Services
) -> None:
    message_id = next_id()
    first_token = start(client)
    send(client, first_token, "hello")
    first = send(client, first_token, "2", message_id).get_json()["replies"]
    second = send(client, start(client), "hello", message_id).get_json()["replies"]
    assert second != first
    assert second[0].startswith("Hi, thanks for your message.")
    assert messages_per_conversation(built) == [2, 4]


def test_a_retry_in_the_same_conversation_is_still_answered_once_from_what_was_stored(
    client: FlaskClient, twilio: TwilioSigner, built: Services
) -> None:
    sid = new_sid()
    first = reply_text(twilio.sms("hello", sid=sid))
    reply_text(twilio.sms("hello", sender=OTHER_SURVIVOR, sid=sid))
    assert reply_text(twilio.sms("hello", sid=sid)) == first
    token, message_id = start(client), next_id()
    chat = send(client, token, "hello", message_id).get_json()["replies"]
    assert send(client, token, "hello", message_id).get_json()["replies"] == chat
    assert messages_per_conversation(built) == [2, 2, 2]
