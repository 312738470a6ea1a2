"""Who is speaking (issue 19, item 2): on the survivor's page an advocate's reply looks
different from the automatic messages and says in words that it is from a person.

The survivor asks for a person; an advocate signs in in another browser and replies. The page
learns the reply is a person's from the chat poll's `"from": "person"` and shows it as
`li.message.from-advocate`, after a `li.speaker.from-advocate` line with the page's wording
("From the team", translated); the service's own messages come after a `li.speaker.from-service`
line ("Automatic message"). The two kinds of message are drawn differently (background and
border), in English and in Arabic, on a 390x844 phone. Set QUIETLINE_SCREENSHOTS to a
folder to keep a screenshot there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.services import services
from app.storage.models import Escalation
from tests.browser.chat import ChatPage
from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_webchat_advocate_reply import (
    REPLY,
    REPLY_WITHIN_MS,
    advocate_holding,
    send_reply,
)

pytestmark = pytest.mark.browser

WORDS = {"en": ("Automatic message", "From the team"), "ar": ("رسالة تلقائية", "من الفريق")}
LOOKS = """(el) => { const s = getComputedStyle(el);
  return [s.backgroundColor, s.borderTopWidth, s.borderTopColor, s.borderInlineStartWidth]; }"""
SPEAKER_BEFORE = """(el) => { const p = el.previousElementSibling;
  return p ? [p.className, p.textContent] : null; }"""


def ask_for_a_person(page: Page, server: LiveServer, language: str) -> tuple[ChatPage, int]:
    """The survivor opens the chat in `language`, says hello, then picks "3" (a person)."""
    chat = ChatPage(page, server)
    chat.open_cover(f"?lang={language}")
    chat.open_chat()
    chat.send("hello" if language == "en" else "مرحبا")
    chat.send("3")
    with server.app.app_context(), services().database.transaction() as connection:
        case_ids = connection.execute(select(Escalation.id)).scalars().all()
    assert len(case_ids) == 1, case_ids
    return chat, case_ids[0]


def looks(page: Page, selector: str) -> list[Any]:
    found: list[Any] = page.locator(selector).last.evaluate(LOOKS)
    return found


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_persons_reply_is_labelled_and_looks_different_from_the_automatic_ones(
        live_server: LiveServer, browsers: Browsers, language: str) -> None:
    automatic, person = WORDS[language]
    survivor = browsers.launch("survivor", viewport={"width": 390, "height": 844},
                               has_touch=True, is_mobile=True).pages[0]
    chat, case_id = ask_for_a_person(survivor, live_server, language)
    # The welcome line, before anything was sent, already said it was automatic.
    expect(survivor.locator("#messages > li").first).to_have_text(automatic)
    expect(survivor.locator("#messages > li").first).to_have_class("speaker from-service")
    advocate = advocate_holding(browsers, live_server, case_id)

    send_reply(advocate, live_server, case_id, REPLY)

    reply = survivor.locator("li.message.from-advocate")
    expect(reply).to_have_text(REPLY, timeout=REPLY_WITHIN_MS)
    assert reply.evaluate(SPEAKER_BEFORE) == ["speaker from-advocate", person]
    assert looks(survivor, "li.message.from-advocate") != looks(
        survivor, "li.message.from-service")
    # The next automatic message says again that it is automatic.
    chat.send("hello" if language == "en" else "مرحبا")
    assert survivor.locator("li.message.from-service").last.evaluate(SPEAKER_BEFORE) == [
        "speaker from-service", automatic]
    shots = os.environ.get("QUIETLINE_SCREENSHOTS")
    if shots:
        survivor.screenshot(path=str(Path(shots) / f"who-is-speaking-{language}.png"))
