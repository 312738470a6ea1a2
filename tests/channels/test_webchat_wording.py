"""Channel-true wording (issue 21, item 6): the web chat never says what belongs to SMS.

Walked through the real /chat endpoints in every shipped language: the welcome, asking for a
person, the emergency options, pausing, erasing with the word, and "my word". Nothing the
survivor is shown may carry an SMS-only phrase (flows/channels.yaml, plus a few English ones
written out here so the test does not only trust the data), and the web wording of each
message with one is what is shown. The same steps by SMS still get the SMS wording.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.content import channels
from app.content.catalogues import Catalogues
from app.flows.folding import fold
from app.services import Services
from tests.support.sms import reply_text
from tests.support.twilio_signing import TwilioSigner

LANGUAGES = ("en", "cy", "pl", "pa", "ur", "ar", "ro", "so")
# The number each language has in the language menu (flows/welcome.yaml).
MENU_NUMBER = {"en": "1", "cy": "2", "pl": "3", "pa": "4", "ur": "5", "ar": "6", "ro": "7",
               "so": "8"}
# Each language's own word for erasing and for the resume word (flows/keywords.yaml,
# flows/resume.yaml): the survivor types their language's word.
ERASE_WORD = {"en": "delete", "cy": "dileu", "pl": "usuń", "pa": "ਮਿਟਾਓ", "ur": "ڈیلیٹ کریں",
              "ar": "احذف", "ro": "șterge", "so": "tirtir"}
RESUME_WORD = {"en": "my word", "cy": "fy ngair", "pl": "moje słowo", "pa": "ਮੇਰਾ ਸ਼ਬਦ",
               "ur": "میرا لفظ", "ar": "كلمتي", "ro": "cuvântul meu", "so": "eraygayga"}
# Written out, not read from the data: the words the issue named.
ENGLISH_SMS_WORDS = ("texting", "text you", "text me", "from your phone", "this number", "sms",
                     "text stop", "reply stop")
# Allowed on the web chat with a reason (flows/channels.yaml `allowed`): 999's own text
# service is named in the emergency options whichever way the survivor reached us, and "text
# me at a safe number" is offered where the service does text a safe number the chat is given
# (issue 19, item 4).
ALLOWED = ("emergency.options", "person.how_web_texts")

FLOWS = Path(__file__).resolve().parents[2] / "flows"
(WEB,) = [wording for wording in channels.load(FLOWS) if wording.channel == "web"]
_ids = iter(f"{n:032x}" for n in range(0x7000, 10**6))


class Chat:
    """One page of the web chat in one language, as the page's script uses the endpoints."""

    def __init__(self, client: FlaskClient, language: str) -> None:
        self.client = client
        self.language = language
        self.token = client.post("/chat/start").get_json()["token"]
        self.shown: list[str] = []

    def send(self, text: str) -> str:
        body: dict[str, Any] = {"token": self.token, "id": next(_ids), "text": text,
                                "language": self.language}
        answer = self.client.post("/chat/send", json=body)
        assert answer.status_code == 200, answer.get_json()
        data = answer.get_json()
        self.token = data["token"]
        said = "\n\n".join([*([data["notice"]] if data.get("notice") else []),
                            *data["replies"]])
        self.shown.append(said)
        return str(said)


def sms_only(language: str, text: str, catalogues: Catalogues) -> list[str]:
    """The SMS-only phrases in `text`, by the data and by the words written out above."""
    for message_id in ALLOWED:  # a text allowed to name 999's text service: take it out
        for candidate in {catalogues.text(lang, message_id) for lang in LANGUAGES}:
            text = text.replace(candidate, "")
    said = fold(text)
    found = [phrase for phrase, pattern in WEB.patterns(language) if pattern.search(said)]
    found += [word for word in ENGLISH_SMS_WORDS
              if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text.casefold())]
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_web_chat_shows_no_sms_wording_in_any_language(
        client: FlaskClient, built: Services, language: str) -> None:
    catalogues = built.catalogues
    chat = Chat(client, language)
    welcome = chat.send("hi")
    chat.send("3")  # a person: "is it safe for you to chat now?"
    asked = chat.shown[-1]
    chat.send("1")  # yes: how shall we be in touch (the web chat's own choices)
    chat.send("1")  # chat here now
    chat.send("999")  # the emergency options
    chat.send(ERASE_WORD[language])
    erased = chat.send("1")

    later = Chat(client, language)
    later.send("hi")
    resume = later.send(RESUME_WORD[language])
    paused = Chat(client, language)
    paused.send("3")
    paused.send("2")  # not safe now: pause

    for said in (*chat.shown, *later.shown, *paused.shown):
        assert sms_only(language, said, catalogues) == [], said
    # Each message with a web wording shows it (were one unconfirmed, the English web
    # wording would stand in for it, never the SMS one).
    for message_id, shown in (("welcome.greeting", welcome), ("person.safe_now", asked),
                              ("erase.done", erased)):
        web = catalogues.text(language, message_id, channel="web")
        assert web in shown
        assert web != catalogues.text(language, message_id)
    assert catalogues.text(language, "resume.web") in resume
    assert catalogues.text(language, "resume.set_prompt") not in resume


@pytest.mark.parametrize("language", LANGUAGES)
def test_sms_still_gets_the_sms_wording(twilio: TwilioSigner, built: Services,
                                        language: str) -> None:
    catalogues = built.catalogues
    sender = f"+4477009001{LANGUAGES.index(language):02d}"
    welcome = reply_text(twilio.sms("hi", sender=sender))
    assert welcome is not None
    assert catalogues.text("en", "welcome.greeting") in welcome
    twilio.sms("9", sender=sender)
    twilio.sms(MENU_NUMBER[language], sender=sender)
    asked = reply_text(twilio.sms("3", sender=sender))
    twilio.sms(ERASE_WORD[language], sender=sender)
    erased = reply_text(twilio.sms("1", sender=sender))

    for message_id, shown in (("person.safe_now", asked), ("erase.done", erased)):
        assert shown is not None
        assert catalogues.text(language, message_id) in shown
        assert catalogues.text(language, message_id, channel="web") not in shown
    if language == "en":
        assert erased is not None
        assert "from your phone" in erased
