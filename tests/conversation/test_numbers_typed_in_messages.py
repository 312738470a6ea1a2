"""A phone number typed into a message, not into the web chat's number box (survivor6's N4).

Advocates never see a survivor's number, and the number box exists so that none reaches the
transcript. So a UK number in any message, on either channel, is withheld before the message
is read or stored (app/conversation/typed_numbers.py). On the web chat, where it asks for a safe
number, a UK mobile typed in the message box is taken exactly as from the box (the survivor is
not asked again, and the page says how to confirm it); anywhere else the reply says, in the
survivor's language, that the number was not kept and how to give a safe number.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app.conversation.typed_numbers import NOT_KEPT, WITHHELD
from app.services import Services
from app.storage import transcripts
from app.storage.models import Conversation, SafeNumber
from tests.support.return_codes import chat
from tests.support.safe_numbers import SAFE_NUMBER, asks_to_be_texted
from tests.support.twilio_signing import SERVICE_NUMBER, TwilioSigner

pytestmark = pytest.mark.usefixtures("fake_twilio", "inline_jobs")
# The safe number as survivors type it, in each language's words (and digits).
TYPED = {
    "en": "my number is 07700 900321",
    "cy": "fy rhif i yw 07700 900321",
    "pl": "mój numer to 07700-900-321",
    "ro": "numărul meu este +44 7700 900321",
    "ar": "رقمي ٠٧٧٠٠ ٩٠٠٣٢١",
    "ur": "میرا نمبر ۰۷۷۰۰۹۰۰۳۲۱ ہے",
    "pa": "ਮੇਰਾ ਨੰਬਰ 07700 900321 ਹੈ",
    "so": "lambarkaygu waa 07700 900321",
}
DIGITS = ("900321", "٩٠٠٣٢١", "۹۰۰۳۲۱")


def stored_bodies(built: Services) -> list[str]:
    with built.database.transaction() as connection:
        ids = connection.execute(select(Conversation.id)).scalars().all()
        return [message.body for conversation_id in ids
                for message in transcripts.transcript(connection, built.keyring, conversation_id)]


def assert_withheld(built: Services) -> None:
    bodies = stored_bodies(built)
    assert any(WITHHELD in body for body in bodies), bodies
    for body in bodies:
        for digits in DIGITS:
            assert digits not in body, body


def saved_numbers(built: Services) -> list[str]:
    with built.database.transaction() as connection:
        return list(connection.execute(select(SafeNumber.contact_hash)).scalars())


def not_kept(built: Services, language: str, channel: str) -> str:
    return built.conversations.render(language, (NOT_KEPT,), channel=channel)


@pytest.mark.parametrize("language", sorted(TYPED))
def test_a_mobile_typed_where_the_chat_asks_for_one_is_taken_as_the_safe_number(
        app: Flask, built: Services, language: str) -> None:
    survivor, token, asked = asks_to_be_texted(app, language=language)
    assert isinstance(asked.get("askNumber"), dict)

    answer = chat(survivor, token, TYPED[language], language)

    assert "askNumber" not in answer, "asked for the number again"
    # As after the box: the page says it is saved and to text the service from that phone,
    # and the conversation goes on at the safe-time question.
    assert SERVICE_NUMBER in str(answer["notice"])
    safe_time = built.conversations.render(language, ("person.safe_time_web",), channel="web")
    assert answer["replies"] == [safe_time]
    assert saved_numbers(built) == [built.conversations.contact_hash("sms", SAFE_NUMBER)]
    assert "900321" not in str(answer)
    assert_withheld(built)


def test_a_landline_typed_where_the_chat_asks_for_a_mobile_is_not_kept_and_it_asks_again(
        app: Flask, built: Services) -> None:
    survivor, token, _asked = asks_to_be_texted(app)

    answer = chat(survivor, token, "020 7946 0018")

    assert isinstance(answer.get("askNumber"), dict)
    replies = answer["replies"]
    assert isinstance(replies, list)
    (reply,) = replies
    assert isinstance(reply, str)
    assert reply.endswith(not_kept(built, "en", "web"))
    assert saved_numbers(built) == []
    assert all("7946" not in body for body in stored_bodies(built))


@pytest.mark.parametrize("language", sorted(TYPED))
def test_a_number_typed_elsewhere_in_the_chat_is_not_kept_and_the_reply_says_so(
        app: Flask, built: Services, language: str) -> None:
    survivor = app.test_client()
    token = survivor.post("/chat/start").get_json()["token"]

    answer = chat(survivor, token, TYPED[language], language)

    replies = answer["replies"]
    assert isinstance(replies, list)
    (reply,) = replies
    assert isinstance(reply, str)
    assert reply.endswith(not_kept(built, language, "web")), reply
    assert not_kept(built, language, "web") != not_kept(built, language, "sms")
    assert saved_numbers(built) == []
    assert_withheld(built)


@pytest.mark.parametrize("language", sorted(TYPED))
def test_a_number_written_in_a_text_is_not_kept_and_the_reply_says_so(
        built: Services, twilio: TwilioSigner, language: str) -> None:
    response = twilio.sms(TYPED[language])

    body = html.unescape(response.get_data(as_text=True))
    with built.database.transaction() as connection:
        (answered_in,) = connection.execute(select(Conversation.language)).scalars()
    # In the language the text was read as (a few words may read as the default's).
    assert not_kept(built, answered_in or "en", "sms") in body, body
    assert "900321" not in body
    assert_withheld(built)


# Short texts whose language the marker's English words tipped: "zadzwoń do mnie na
# [phone number withheld]" was answered in English. The service reads a wordless mark instead.
SHORT = {
    "zadzwoń do mnie na 07700 900321": "pl",
    "mój numer to 07700 900321": "pl",
    "fy rhif i yw 07700 900321": "cy",
    "numărul meu este 07700 900321": "ro",
    "lambarkaygu waa 07700 900321": "so",
}


@pytest.mark.parametrize(("text", "language"), sorted(SHORT.items()))
def test_a_short_text_with_a_number_is_answered_in_its_own_language(
        built: Services, twilio: TwilioSigner, text: str, language: str) -> None:
    response = twilio.sms(text)

    body = html.unescape(response.get_data(as_text=True))
    with built.database.transaction() as connection:
        (answered_in,) = connection.execute(select(Conversation.language)).scalars()
    assert answered_in == language
    assert not_kept(built, language, "sms") in body, body
    assert_withheld(built)


def test_numbers_the_service_publishes_are_kept_and_nothing_is_added(
        app: Flask, built: Services) -> None:
    survivor = app.test_client()
    token = survivor.post("/chat/start").get_json()["token"]

    answer = chat(survivor, token, "is 0808 2000 247 free? I can call 999")

    assert not_kept(built, "en", "web") not in str(answer["replies"])
    assert "is 0808 2000 247 free? I can call 999" in stored_bodies(built)


def test_a_typed_number_never_reaches_the_database_file_in_clear(
        app: Flask, built: Services, twilio: TwilioSigner, database_path: Path) -> None:
    survivor, token, _asked = asks_to_be_texted(app)
    chat(survivor, token, "07700 900321")
    chat(survivor, token, "weekdays 6-8pm")
    other = app.test_client()
    chat(other, other.post("/chat/start").get_json()["token"], "call me on 07700 900654")
    twilio.sms("my sister's phone is 07700 900987")

    with built.database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    needles = [form.encode(encoding) for number in ("900321", "900654", "900987")
               for form in (number, f"7700 {number}", f"7700{number}")
               for encoding in ("utf-8", "utf-16-le")]
    for path in database_path.parent.glob(database_path.name + "*"):
        blob = path.read_bytes()
        for needle in needles:
            assert needle not in blob, f"{needle!r} in clear in {path}"
    bodies = stored_bodies(built)
    assert sum(WITHHELD in body for body in bodies) == 3, bodies
    assert not [body for body in bodies if "900" in body]
