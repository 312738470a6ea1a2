"""The guide page (`/notes`) speaks of no chat, in any language (survivor8).

It is the page an advocate links to and the one whose address stays in the browser's history,
so it must read as an ordinary page's notes. Its first line said "when you leave ... the chat
is closed": words that tell whoever opens the history that there was a chat. The chat panel's
own copy of the guidance (on the cover page, beside the chat) still says so, where it is true.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask.testing import FlaskClient

# Each language's words for the chat or the conversation in it, as its catalogues write them.
CHAT_WORDS = {
    "en": ("chat", "conversation"),
    "cy": ("sgwrs",),
    "pl": ("czat", "rozmow"),
    "ro": ("chat", "conversați"),
    "ar": ("المحادثة", "الدردشة"),
    "ur": ("چیٹ", "گفتگو"),
    "pa": ("ਚੈਟ", "ਗੱਲਬਾਤ"),
    "so": ("sheekada", "wada-sheek"),
}


def _visible_text(html: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return unescape(re.sub(r"<[^>]+>", " ", body)).casefold()


@pytest.mark.parametrize("language", sorted(CHAT_WORDS))
def test_the_guide_page_names_no_chat(client: FlaskClient, language: str) -> None:
    page = client.get(f"/notes?lang={language}")
    text = _visible_text(page.get_data(as_text=True))
    assert text.strip()
    named = [word for word in CHAT_WORDS[language] if word.casefold() in text]
    assert not named, f"/notes in {language} names {named}"


@pytest.mark.parametrize("language", sorted(CHAT_WORDS))
def test_the_guide_page_still_says_the_page_is_replaced_on_leaving(
        client: FlaskClient, language: str) -> None:
    guide = _visible_text(client.get(f"/notes?lang={language}").get_data(as_text=True))
    cover = _visible_text(client.get(f"/?lang={language}").get_data(as_text=True))
    # Both say Shift (the key's name is the same in every language); only the cover page,
    # with the chat on it, speaks of closing the chat.
    assert "shift" in guide
    assert any(word.casefold() in cover for word in CHAT_WORDS[language])
