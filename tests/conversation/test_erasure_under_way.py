"""Nothing is stored for an erased conversation by a message that arrived before the erasure.

The soak (issue 22) left two ways for a message of a conversation to come back after the
survivor erased it, in a new conversation of its own (docs/threat-model.md, A4):
- the sweeper was already replaying a message the fail-safe had spooled (it had read the
  entry) when the erasure removed the contact's entries from the spool;
- a message's request had looked the conversation up when the erasure deleted it: its insert
  failed on the deleted row, and its second attempt opened a new conversation.
Now the erasure marks the contact (a keyed value and the time, for a day) in its own
transaction, the message's look-up reads the mark with the conversation, and a message that
arrived before the erasure, or whose conversation was erased under it, stores nothing; its
survivor is answered with the erasure's neutral confirmation.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection

from app.content.failsafe import EMERGENCY_TEXT_EN
from app.conversation import lookup, spool
from app.conversation.service import InboundMessage
from app.crypto import ContactHasher, Keyring
from app.services import Services
from app.storage.models import ContactErasure, Conversation, Message
from tests.conftest import MovableClock
from tests.conversation.test_spool import TUESDAY_10AM
from tests.support.sms import count, reply_text
from tests.support.twilio_signing import SURVIVOR, TwilioSigner, new_sid

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]


def erase(twilio: TwilioSigner) -> str:
    """The survivor erases the conversation by SMS; the confirmation's text."""
    twilio.sms("delete")
    confirmed = reply_text(twilio.sms("1"))
    assert confirmed is not None
    assert "deleted" in confirmed
    return confirmed


def test_a_spooled_message_being_replayed_when_the_survivor_erases_is_not_stored(
        built: Services, twilio: TwilioSigner, clock: MovableClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock.set(TUESDAY_10AM)
    twilio.sms("hello")
    # Answered by the fail-safe while the database was down, and spooled.
    built.spool.add(InboundMessage("sms", SURVIVOR, "person", new_sid(),
                                   reply_address=SURVIVOR), clock(), EMERGENCY_TEXT_EN)
    clock.advance(timedelta(minutes=1))
    read = built.spool.pending

    def erased_meanwhile(*args: Any, **kwargs: Any) -> Any:
        entries = read(*args, **kwargs)  # the replay holds the entry now
        erase(twilio)  # and the survivor erases the conversation before it is stored
        return entries

    monkeypatch.setattr(built.spool, "pending", erased_meanwhile)
    counts = spool.replay(built.spool, built.conversations)

    assert count(built, Conversation) == 0
    assert count(built, Message) == 0
    assert counts["stored"] == 0
    assert built.spool.size() == 0  # taken as done: it is not tried again


def test_a_message_under_way_when_the_survivor_erases_is_not_stored(
        built: Services, twilio: TwilioSigner, clock: MovableClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock.set(TUESDAY_10AM)
    twilio.sms("hello")
    twilio.sms("delete")
    look_up = lookup.find
    erased: list[str] = []

    def erased_after_the_look_up(connection: Connection, keyring: Keyring,
                                 hasher: ContactHasher, inbound: InboundMessage,
                                 contact_hash: str) -> Any:
        found = look_up(connection, keyring, hasher, inbound, contact_hash)
        if inbound.body == "I am scared" and not erased:
            # This message found the conversation; the survivor's "1" erases it before this
            # message is stored (the clock does not move: same instant).
            erased.append(erase(twilio))
        return found

    monkeypatch.setattr(lookup, "find", erased_after_the_look_up)
    outcome = built.conversations.handle_inbound(InboundMessage(
        "sms", SURVIVOR, "I am scared", new_sid(), reply_address=SURVIVOR))

    assert erased
    assert count(built, Conversation) == 0
    assert count(built, Message) == 0
    # A safe answer all the same: the erasure's own neutral confirmation.
    assert outcome.text is not None
    assert outcome.text in erased[0]


def test_a_message_after_the_erasure_starts_a_new_conversation(
        built: Services, twilio: TwilioSigner, clock: MovableClock) -> None:
    clock.set(TUESDAY_10AM)
    twilio.sms("hello")
    erase(twilio)
    assert count(built, ContactErasure) == 1
    clock.advance(timedelta(seconds=1))
    assert reply_text(twilio.sms("hello again")) is not None
    assert count(built, Conversation) == 1


def test_the_mark_of_an_erasure_goes_after_a_day(
        built: Services, twilio: TwilioSigner, clock: MovableClock) -> None:
    from app.lifecycle import erasure  # noqa: PLC0415

    clock.set(TUESDAY_10AM)
    twilio.sms("hello")
    erase(twilio)
    with built.database.transaction() as connection:
        assert erasure.forget_marks(connection, clock() + timedelta(hours=23)) == 0
    with built.database.transaction() as connection:
        assert erasure.forget_marks(connection, clock() + timedelta(hours=25)) == 1
    assert count(built, ContactErasure) == 0
