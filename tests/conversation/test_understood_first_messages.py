"""Issue 21's examples, each as a first message through the real SMS webhook and the web chat:
the survivor gets what they asked for, in their own words and language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.services import Services
from app.storage.models import Escalation
from tests.conftest import MovableClock
from tests.support.sms import reply_text
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

TUESDAY_MORNING = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)  # the team is at work

ASKS_FOR_A_PERSON = [
    "I need to talk to someone",
    "is there anyone I could chat to?",
    "can someone call me tomorrow",
    "potrzebuję z kimś porozmawiać",
    "vreau să vorbesc cu o persoană",
    "أحتاج أن أتكلم مع أحد",
    "dw i angen siarad â rhywun",
    "mujhe kisi se baat karni hai",
    "mujhe madad chahiye",
    "I need help",
]
IN_DANGER = [
    "he's got the kids and says I'll never see them alive",
    "he says he will find me",
    "No, he has a knife",
]

# Calm messages in the words of danger, each read as urgent before reader5's round (issue 21,
# round 5): an urgent case here sends the emergency reply to someone asking about her post.
CALM = [
    "can my post be sent to my new address",
    "i dont feel safe walking home from the gym",
    "we've booked an escape room, locked in for an hour, can't wait",
]


Send = Callable[[str], str]


@pytest.fixture(params=["sms", "chat"])
def channel(request: pytest.FixtureRequest, twilio: TwilioSigner, client: FlaskClient,
            clock: MovableClock) -> tuple[str, Send]:
    """Send one message as a survivor would on this channel; the reply's text comes back."""
    clock.set(TUESDAY_MORNING)
    if request.param == "sms":
        def by_sms(body: str) -> str:
            reply = reply_text(twilio.sms(body, sender=SURVIVOR))
            assert reply is not None
            return reply
        return "sms", by_sms
    token = client.post("/chat/start").get_json()["token"]
    sent = iter(range(1, 1000))

    def by_chat(body: str) -> str:
        # The page's language is the default (English) unless the survivor chose another.
        answer = client.post("/chat/send", json={"token": token, "id": f"{next(sent):032x}",
                                                 "text": body, "language": "en"})
        assert answer.status_code == 200
        return "\n\n".join(answer.get_json()["replies"])
    return "chat", by_chat


def cases(built: Services) -> list[Escalation]:
    with built.database.session() as session:
        return list(session.scalars(select(Escalation)))


@pytest.mark.parametrize("body", ASKS_FOR_A_PERSON)
def test_a_request_for_a_person_in_own_words_opens_a_case(
    channel: tuple[str, Send], built: Services, body: str
) -> None:
    _, send = channel
    reply = send(body)
    [case] = cases(built)
    assert "asked_for_person" in case.reasons
    assert case.priority >= 1
    language = case.language
    assert reply.startswith(built.catalogues.text(language, "person.requested"))


@pytest.mark.parametrize("body", IN_DANGER)
def test_danger_in_ordinary_words_is_urgent(
    channel: tuple[str, Send], built: Services, body: str
) -> None:
    _, send = channel
    reply = send(body)
    [case] = cases(built)
    assert case.priority == 3
    assert reply.startswith(built.catalogues.text("en", "urgent.reply"))


@pytest.mark.parametrize("body", CALM)
def test_a_calm_message_in_the_words_of_danger_is_not_urgent(
    channel: tuple[str, Send], built: Services, body: str
) -> None:
    _, send = channel
    reply = send(body)
    assert not reply.startswith(built.catalogues.text("en", "urgent.reply"))
    assert [case for case in cases(built) if case.priority == 3] == []


def test_a_disclosure_is_offered_a_person_at_once(
    channel: tuple[str, Send], built: Services
) -> None:
    name, send = channel
    reply = send("mój mąż mnie bije")  # my husband beats me
    # Read in Polish on either channel; answered in the page's language on the chat.
    language = "pl" if name == "sms" else "en"
    assert reply.startswith(built.catalogues.text(language, "person.offer"))
    assert cases(built) == []
    send("3")
    [case] = cases(built)
    assert "asked_for_person" in case.reasons


def test_i_cannot_talk_pauses_and_tells_the_advocates(
    channel: tuple[str, Send], built: Services
) -> None:
    _, send = channel
    assert send("I can't talk") == built.catalogues.text("en", "pause.confirmed")
    [case] = cases(built)
    assert case.reasons == ["not_safe_to_talk"]


@pytest.mark.parametrize(("body", "language"), [("Cześć", "pl"), ("مرحبا", "ar")])
def test_a_greeting_is_answered_in_its_language(
    channel: tuple[str, Send], built: Services, body: str, language: str
) -> None:
    name, send = channel
    reply = send(body)
    # The chat's welcome has its own words (welcome.greeting@web: flows/channels.yaml).
    wording = "web" if name == "chat" else "sms"
    assert reply.startswith(built.catalogues.text(language, "welcome.greeting",
                                                  channel=wording))
    assert cases(built) == []
