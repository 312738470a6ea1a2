"""A long SMS is understood from its start and its end, folded once, stored whole and answered
(app/flows/said.py: a 100 KB body once held a web worker for about 30 seconds)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.flows import folding
from app.services import Services
from app.storage import transcripts
from app.storage.models import Escalation
from tests.conftest import MovableClock
from tests.support.sms import reply_text
from tests.support.twilio_signing import TwilioSigner

TUESDAY_MORNING = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)  # the team is at work
FILLER = "the weather was grey and the bus was late again "  # nothing anyone reads as risk
DANGER = "he has a knife and says he will kill me"
HUNDRED_KB = 100 * 1024


def long_body(start: str = "", end: str = "") -> str:
    return f"{start} {FILLER * (HUNDRED_KB // len(FILLER))}{end}"


@pytest.fixture
def counted_folds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of each text `folding.fold` folds from now on."""
    folded: list[int] = []
    original: Callable[[str], str] = folding.fold

    def counting(text: str) -> str:
        folded.append(len(text))
        return original(text)

    monkeypatch.setattr(folding, "fold", counting)
    return folded


@pytest.mark.parametrize(("start", "end"), [(DANGER, ""), ("", DANGER)],
                         ids=["danger at the start", "danger at the end"])
def test_danger_in_a_100_kb_sms_is_urgent_and_the_body_is_stored_whole(
    twilio: TwilioSigner, built: Services, clock: MovableClock, start: str, end: str
) -> None:
    clock.set(TUESDAY_MORNING)
    body = long_body(start, end)
    reply = reply_text(twilio.sms(body))
    assert reply is not None
    assert reply.startswith(built.catalogues.text("en", "urgent.reply"))
    with built.database.session() as session:
        [case] = session.scalars(select(Escalation))
    assert case.priority == 3
    assert case.conversation_id is not None
    with built.database.transaction() as connection:
        stored = transcripts.transcript(connection, built.keyring, case.conversation_id)
    assert [message.body for message in stored if message.direction == "in"] == [body]


def test_a_message_is_folded_once_for_triage_and_intents(
    twilio: TwilioSigner, built: Services, counted_folds: list[int]
) -> None:
    reply = reply_text(twilio.sms("hello, can somone help me plaese"))
    assert reply is not None
    assert counted_folds == [len("hello, can somone help me plaese")]


def test_a_100_kb_message_is_folded_in_part_once(
    twilio: TwilioSigner, built: Services, counted_folds: list[int]
) -> None:
    assert reply_text(twilio.sms(long_body())) is not None
    # Its start and its end, each folded once.
    assert len(counted_folds) == 2
    assert sum(counted_folds) <= 5000
