"""Saying "I'm not safe right now", "I don't feel safe" or "I'm in danger" of oneself is a
disclosure of danger now (issue 21, reader4): through the real SMS webhook, a first message
saying it gets the urgent reply (the emergency options and the offer of a person) and an urgent
case that says why, in each of the eight languages. Saying it is not safe TO talk or text still
pauses, as the survivor asked. Before this, "im not safe right now" paused with a routine case
and "i dont feel safe right now" got the welcome menu and no case at all.

The sentences are written for this table, not taken from eval/messages; the non-English ones
were written by a developer and need native review (flows/triage.yaml says so)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.services import Services
from app.storage.models import Escalation
from tests.conftest import MovableClock
from tests.support.sms import reply_text
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

TUESDAY_MORNING = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)  # the team is at work

NOT_SAFE = [
    "im not safe right now",
    "i dont feel safe right now",
    "I'm in danger",
    "dwi ddim yn saff heno",
    "nie czuję się bezpiecznie w domu",
    "nu mă simt în siguranță acasă",
    "انا مش بأمان هلق",
    "میں محفوظ نہیں ہوں",
    "main safe nahi hoon",
    "ਮੈਂ ਸੁਰੱਖਿਅਤ ਨਹੀਂ ਹਾਂ",
    "ma nabad qabo",
]
NOT_SAFE_TO_TALK = [
    "im not safe to talk right now",
    "not safe to text rn",
    "dwi ddim yn saff i siarad",
    "مش امان احكي هلق",
]


def first_message(twilio: TwilioSigner, clock: MovableClock, built: Services,
                  body: str) -> tuple[str | None, Escalation]:
    """The reply to `body` as a first text while the team is at work, and the one case."""
    clock.set(TUESDAY_MORNING)
    reply = reply_text(twilio.sms(body, sender=SURVIVOR))
    with built.database.session() as session:
        [case] = session.scalars(select(Escalation))
    return reply, case


@pytest.mark.parametrize("body", NOT_SAFE)
def test_saying_i_am_not_safe_is_urgent_and_offers_a_person(
    twilio: TwilioSigner, clock: MovableClock, built: Services, body: str
) -> None:
    reply, case = first_message(twilio, clock, built, body)
    assert case.priority == 3
    assert "says_unsafe" in case.reasons
    assert reply is not None
    assert reply.startswith(built.catalogues.text(case.language, "urgent.reply"))


@pytest.mark.parametrize("body", NOT_SAFE_TO_TALK)
def test_not_safe_to_talk_still_pauses(
    twilio: TwilioSigner, clock: MovableClock, built: Services, body: str
) -> None:
    reply, case = first_message(twilio, clock, built, body)
    assert case.reasons == ["not_safe_to_talk"]
    assert reply == built.catalogues.text(case.language, "pause.confirmed")
