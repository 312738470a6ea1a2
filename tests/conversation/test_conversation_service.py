"""The conversation service beyond one request: idle expiry, racing first messages."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.conversation.service import InboundMessage
from app.flows.loader import parse_flow
from app.services import Services
from app.storage import transcripts
from app.storage.models import Conversation, Escalation
from tests.conftest import MovableClock
from tests.support.sms import count
from tests.support.twilio_signing import SURVIVOR, new_sid


def send(built: Services, body: str, sender: str = SURVIVOR) -> str | None:
    return built.conversations.handle_inbound(
        InboundMessage("sms", sender, body, new_sid(), reply_address=sender)).text


def test_a_message_after_the_idle_timeout_starts_again_at_the_welcome(built: Services) -> None:
    clock = MovableClock(datetime(2026, 11, 25, 21, 0, tzinfo=UTC))
    built.conversations.clock = clock
    send(built, "hello")
    clock.advance(timedelta(minutes=built.settings.deployment.conversation_idle_minutes + 1))
    text = send(built, "2")  # days later "2" is not an answer to the old menu
    assert text is not None
    assert text.startswith("Hi,")


def test_a_message_within_the_idle_timeout_continues_the_conversation(built: Services) -> None:
    clock = MovableClock(datetime(2026, 11, 25, 21, 0, tzinfo=UTC))
    built.conversations.clock = clock
    send(built, "hello")
    clock.advance(timedelta(minutes=5))
    text = send(built, "2")
    assert text is not None
    assert "These services can help" in text


def test_two_first_messages_racing_from_one_number_share_one_conversation(
    built: Services,
) -> None:
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def first_message() -> None:
        try:
            barrier.wait()
            send(built, "hello")
        except BaseException as error:  # noqa: BLE001 -- reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=first_message) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert count(built, Conversation) == 1


def test_the_stored_transcript_opens_in_order_with_the_replies(built: Services) -> None:
    send(built, "hello")
    send(built, "1")
    with built.database.transaction() as connection:
        conversation_id = connection.execute(select(Conversation.id)).scalar_one()
        lines = transcripts.transcript(connection, built.keyring, conversation_id)
    bodies = [(m.direction, m.body[:12]) for m in lines]
    assert [d for d, _ in bodies] == ["in", "out", "in", "out"]
    assert bodies[0][1] == "hello"
    assert bodies[2][1] == "1"


def test_the_contact_number_is_sealed_and_opens_for_replies(built: Services) -> None:
    send(built, "hello")
    with built.database.session() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert conversation.contact_sealed is not None
        assert SURVIVOR.encode() not in conversation.contact_sealed
        key = transcripts.data_key(built.keyring, conversation)
        assert transcripts.contact_address(key, conversation) == SURVIVOR
        assert conversation.contact_hash == built.conversations.contact_hash("sms", SURVIVOR)


def test_two_escalate_actions_in_one_step_make_one_case_with_both_reasons(
    built: Services,
) -> None:
    built.conversations.flow = parse_flow({
        "flow": "t", "start": "ask",
        "steps": {"ask": {"say": ["person.requested"], "actions": [
            {"escalate": {"priority": "routine", "reason": "asked_for_person"}},
            {"escalate": {"priority": "urgent", "reason": "cannot_talk"}},
        ]}},
    }, "test")
    outcome = built.conversations.handle_inbound(
        InboundMessage("sms", SURVIVOR, "hello", new_sid()))
    assert outcome.escalation_id is not None
    with built.database.session() as session:
        case = session.scalars(select(Escalation)).one()
    assert (case.priority, case.reasons) == (3, ["asked_for_person", "cannot_talk"])


def test_asking_again_raises_priority_and_adds_the_reason_without_a_second_case(
    built: Services,
) -> None:
    send(built, "person")
    built.conversations.flow = parse_flow({
        "flow": "t", "start": "ask",
        "steps": {"ask": {"say": ["person.noted"], "actions": [
            {"escalate": {"priority": "high", "reason": "threats_to_kill"}}]}},
    }, "test")
    send(built, "anything")
    with built.database.session() as session:
        cases = session.scalars(select(Escalation)).all()
    assert [(c.priority, c.reasons) for c in cases] == [(2, ["asked_for_person",
                                                             "threats_to_kill"])]
