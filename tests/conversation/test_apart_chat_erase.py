"""The page's "delete this conversation" when the safe number it gave stayed apart.

docs/threat-model.md, A1/A4. A number that already has a conversation of its own (an unfinished
case, locked, held or paused) is never joined to the chat (app/conversation/safe_numbers.py):
its texts go to its own conversation, which the page's delete rightly leaves. The page must
then not say those texts are deleted: its question and its answer say they are kept apart and
are deleted by texting the delete word (flows/keywords.yaml) from that phone, and that word
does delete them. Through the real /chat routes and the signed webhook.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.flows.text import normalise
from app.services import Services
from app.storage import transcripts
from app.storage.models import Conversation, SafeNumber
from tests.support.cases import latest_case
from tests.support.return_codes import chat
from tests.support.safe_numbers import SAFE_NUMBER, number_given
from tests.support.twilio_signing import SERVICE_NUMBER, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
FROM_THE_PHONE = "hello it is me from the safe phone"
KEPT_APART = "The texts from the number you gave are kept apart"
# A sentence to the survivor, not SQL.
HOW = f"text DELETE from that phone to \u2066{SERVICE_NUMBER}\u2069"  # noqa: S608
JOINED_QUESTION = "with our copy of the texts from the number you gave"
PLAIN_QUESTION = "Delete this conversation for good? It cannot be brought back."


def ask(survivor: FlaskClient, token: str) -> str:
    """The question the page puts before it deletes."""
    answer = survivor.post("/chat/erase/scope", json={"token": token, "earlier": [],
                                                      "language": "en"})
    assert answer.status_code == 200
    return str(answer.get_json()["question"])


def erase(survivor: FlaskClient, token: str) -> dict[str, object]:
    answer = survivor.post("/chat/erase", json={"token": token, "earlier": [],
                                                "language": "en"})
    assert answer.status_code == 200
    data: dict[str, object] = answer.get_json()
    return data


def conversations(built: Services) -> list[Conversation]:
    with built.database.session() as session:
        return list(session.scalars(select(Conversation)).all())


def bodies(built: Services, conversation: Conversation) -> list[str]:
    with built.database.transaction() as connection:
        return [m.body for m in transcripts.transcript(connection, built.keyring,
                                                       conversation.id)]


@pytest.mark.parametrize("own", [
    pytest.param(("person",), id="its-own-case"),
    pytest.param(("pause",), id="paused"),
])
def test_a_number_kept_apart_is_not_called_deleted_and_the_page_says_how_to_delete_it(
        app: Flask, twilio: TwilioSigner, built: Services, own: tuple[str, ...]) -> None:
    for text in own:  # the number's own conversation, before the page gave it
        assert twilio.sms(text, sender=SAFE_NUMBER).status_code == 200
    given = number_given(app)
    assert twilio.sms(FROM_THE_PHONE, sender=SAFE_NUMBER).status_code == 200
    with built.database.session() as session:
        assert session.scalar(select(SafeNumber.status)) == "apart"

    question = ask(given.survivor, given.token)
    assert question.startswith("Delete this conversation for good?")
    assert KEPT_APART in question
    assert "this does not delete them" in question
    assert HOW in question
    assert JOINED_QUESTION not in question

    answer = erase(given.survivor, given.token)
    assert answer["erased"] is True
    message = str(answer["message"])
    assert message.startswith("This conversation has been deleted.")
    assert f"{KEPT_APART} and were not deleted" in message
    assert HOW in message
    # It is true: the chat is gone, the number's own conversation and its texts are not.
    (kept,) = conversations(built)
    assert kept.channel == "sms"
    assert FROM_THE_PHONE in bodies(built, kept)


def test_the_delete_word_the_page_names_deletes_the_texts_kept_apart(
        app: Flask, twilio: TwilioSigner, built: Services) -> None:
    twilio.sms("person", sender=SAFE_NUMBER)
    assert latest_case(twilio)
    given = number_given(app)
    twilio.sms(FROM_THE_PHONE, sender=SAFE_NUMBER)
    erase(given.survivor, given.token)
    assert len(conversations(built)) == 1

    twilio.sms("DELETE", sender=SAFE_NUMBER)  # as the page says, from that phone
    twilio.sms("1", sender=SAFE_NUMBER)  # "Reply 1 to delete it"

    with built.database.session() as session:
        assert int(session.scalar(select(func.count()).select_from(Conversation)) or 0) == 0


def test_the_question_is_the_plain_one_without_a_number_or_before_it_writes(
        app: Flask, built: Services) -> None:
    survivor = app.test_client()
    token = survivor.post("/chat/start").get_json()["token"]
    chat(survivor, token, "hello")
    assert ask(survivor, token) == PLAIN_QUESTION
    assert ask(survivor, "not-a-token") == PLAIN_QUESTION
    given = number_given(app)  # waiting: nothing from that phone yet, and it goes with the chat
    assert ask(given.survivor, given.token) == PLAIN_QUESTION
    assert erase(given.survivor, given.token)["message"] == "This conversation has been deleted."


def test_the_question_names_the_texts_once_the_chat_joined_the_number(
        app: Flask, twilio: TwilioSigner, built: Services) -> None:
    given = number_given(app)
    twilio.sms(FROM_THE_PHONE, sender=SAFE_NUMBER)  # joins
    question = ask(given.survivor, given.token)
    assert JOINED_QUESTION in question
    assert KEPT_APART not in question
    assert "were not deleted" not in str(erase(given.survivor, given.token)["message"])


def test_every_language_names_its_own_delete_word(built: Services) -> None:
    """The word each catalogue tells the survivor to text is one the flows take as `erase`
    in that language: a word that did nothing would leave the texts there."""
    assert built.flow is not None
    (keyword,) = [k for k in built.flow.keywords if k.name == "erase"]
    languages = sorted(p.name for p in Path("translations").iterdir() if p.is_dir())
    assert len(languages) == 8
    for language in languages:
        words = keyword.words.get(language, frozenset())
        for message_id in ("chat.erase_confirm_apart", "chat.erased_apart"):
            text = built.web_catalogues.text(language, message_id, {"number": "N"})
            assert language == "en" or text != built.web_catalogues.text(
                "en", message_id, {"number": "N"}), (language, message_id)
            said = {normalise(part.strip("«»")) for part in text.replace(",", " ").split()}
            assert said & words, (language, message_id, sorted(words))
