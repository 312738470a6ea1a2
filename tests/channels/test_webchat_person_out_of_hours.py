"""A routine request for a person out of hours reads as one shorter message on the web chat
and by SMS, in every language (issue 21, item 4): the acknowledgement, when the team is back
with the 24-hour helpline, then the question, in at most 7 UCS-2 segments (4 GSM-7). It was 9
on the Polish web chat and 8 in Welsh (a circumflex made it UCS-2) and Romanian."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from app.content.segments import encoding_of
from app.services import Services
from tests.channels.test_webchat_wording import LANGUAGES, MENU_NUMBER, Chat
from tests.conftest import MovableClock
from tests.support.sms import reply_text
from tests.support.twilio_signing import TwilioSigner

SATURDAY = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # out of hours; Monday 09:00 is next
MOST = {"GSM-7": 4, "UCS-2": 7}
HELPLINE = "0808 2000 247"


def assert_reads_as_one_message(reply: str, language: str, built: Services,
                                channel: str | None) -> None:
    encoding = encoding_of(reply)
    assert encoding.segments <= MOST[encoding.name], (language, encoding)
    catalogues = built.catalogues
    plain = re.sub(r"[\u2066-\u2069\u200e]", "", reply).replace("\u00a0", " ")
    assert plain.count(HELPLINE) == 1, reply
    acknowledged = reply.find(catalogues.text(language, "person.requested")[:25])
    helpline = plain.find(HELPLINE)
    question = catalogues.text(language, "person.safe_now", channel=channel)
    assert 0 == acknowledged < helpline, reply
    assert reply.rstrip().endswith(question.rstrip()), reply


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_the_web_chat(client: FlaskClient, built: Services, clock: MovableClock,
                         language: str) -> None:
    clock.set(SATURDAY)
    chat = Chat(client, language)
    chat.send("hi")
    assert_reads_as_one_message(chat.send("3"), language, built, "web")


@pytest.mark.parametrize("language", LANGUAGES)
def test_by_sms(twilio: TwilioSigner, built: Services, clock: MovableClock,
                language: str) -> None:
    clock.set(SATURDAY)
    twilio.sms("hi")
    twilio.sms("9")
    twilio.sms(MENU_NUMBER[language])
    reply = reply_text(twilio.sms("3"))
    assert reply is not None
    assert_reads_as_one_message(reply, language, built, None)
