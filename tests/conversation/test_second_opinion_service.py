"""The learned second opinion in the service (app/conversation/service.py): on by default
(a deployment can turn it off); a first message through the real SMS webhook that the rules
read as nothing is raised to urgent, or opens a case for a person, when the model says so."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.flows import learned, learned_train
from app.flows.learned_train import Example
from app.services import Services
from app.storage.models import Escalation
from tests.conftest import MovableClock
from tests.support.sms import reply_text
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

TUESDAY_MORNING = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)  # the team is at work
# Words no rule reads: only a model taught them can.
DANGER = "zebra crossing tonight"
PERSON = "fancy a natter with your crew"


def taught() -> learned.SecondOpinion:
    examples = [
        *(Example(f"zebra crossing {w}", "en", urgent=True, person=False)
          for w in ("now", "tonight", "again", "here", "today")),
        *(Example(f"a natter with your crew {w}", "en", urgent=False, person=True)
          for w in ("please", "today", "soon", "fancy", "now")),
        *(Example(text, "en", urgent=False, person=False) for text in (
            "what time do you open", "where is the library", "thanks for the recipe",
            "lovely weather", "bus times to town", "my cat likes the garden",
            "see you at the shop", "opening hours please", "how is your day", "ok")),
    ]
    return learned_train.train(examples, thresholds={"urgent": 0.0, "person": 0.0}, min_language=5)


def cases(built: Services) -> list[Escalation]:
    with built.database.session() as session:
        return list(session.scalars(select(Escalation)))


@pytest.fixture
def morning(clock: MovableClock) -> None:
    clock.set(TUESDAY_MORNING)


@pytest.mark.usefixtures("morning")
def test_it_is_on_by_default_and_turned_off_the_rules_alone_read_these(
        twilio: TwilioSigner, built: Services) -> None:
    # On by default since batch g (eval/README.md): the shipped model is loaded.
    assert isinstance(built.conversations.second_opinion, learned.SecondOpinion)
    built.conversations.second_opinion = None  # as a deployment with it off builds it
    twilio.sms(DANGER, sender=SURVIVOR)
    assert cases(built) == []


@pytest.mark.usefixtures("morning")
def test_when_on_it_raises_a_missed_danger_to_urgent(
        twilio: TwilioSigner, built: Services) -> None:
    built.conversations.second_opinion = taught()
    reply = reply_text(twilio.sms(DANGER, sender=SURVIVOR))
    [case] = cases(built)
    assert case.priority == 3
    assert learned.REASON in case.reasons
    assert reply is not None
    assert reply.startswith(built.catalogues.text("en", "urgent.reply"))


@pytest.mark.usefixtures("morning")
def test_when_on_it_reads_a_missed_request_for_a_person(
        twilio: TwilioSigner, built: Services) -> None:
    built.conversations.second_opinion = taught()
    reply = reply_text(twilio.sms(PERSON, sender=SURVIVOR))
    [case] = cases(built)
    assert "asked_for_person" in case.reasons
    assert reply is not None
    assert reply.startswith(built.catalogues.text("en", "person.requested"))
