"""The chat over the cover page, in Chromium: open it, talk, ask for a person.

Contract (issue 12): `GET /` is an ordinary-looking cover page with `<a id="open-chat"
href="#ask">`; following it opens `<section id="chat">` over the page without changing
location.href or adding a history entry. In the chat: `#messages` with `li.message.from-service`
and `li.message.from-you`, `#message-input` (autocomplete off), `#send`, `#quick-exit` at the top
of the fixed panel (where it is measured: test_webchat_phone_layout.py),
`#emergency` (999, 55, 0808 2000 247), `#safety-open` showing `#safety`, `#language`. The
first reply is the flow's welcome; "3" asks for a person and records an escalation.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from playwright.sync_api import expect

from tests.browser.chat import (
    EMERGENCY_NUMBERS,
    PERSON_MARK,
    WELCOME_MARK,
    ChatPage,
    names_the_service,
    normalise,
)
from tests.browser.harness import Browsers, LiveServer

pytestmark = pytest.mark.browser


def test_open_the_chat_send_and_get_the_welcome(live_server: LiveServer,
                                                browsers: Browsers) -> None:
    context = browsers.launch()
    chat = ChatPage(context.pages[0], live_server)
    page = chat.page
    chat.open_cover()
    assert names_the_service(page.title()) == [], page.title()
    assert page.locator("#chat").is_hidden(), "the chat shows before anyone asked for it"
    link = page.locator("a#open-chat")
    expect(link).to_have_attribute("href", "#ask")
    url, history = page.url, chat.history_length()

    chat.open_chat()

    assert page.url == url, "opening the chat changed the address"
    assert chat.history_length() == history, "opening the chat added a history entry"
    exit_button = page.locator("#quick-exit")
    expect(exit_button).to_be_visible()
    assert exit_button.evaluate("e => getComputedStyle(e.closest('#chat')).position") == "fixed"
    emergency = normalise(page.locator("#emergency").inner_text())
    for number in EMERGENCY_NUMBERS:
        assert number in emergency, f"{number} missing from the emergency line: {emergency!r}"
    expect(page.locator("textarea#message-input")).to_have_attribute("autocomplete", "off")
    expect(page.locator("select#language")).to_be_visible()

    replies = chat.send("hello")

    assert chat.own_messages()[-1] == "hello"
    assert any(WELCOME_MARK in reply for reply in replies), replies
    expect(exit_button).to_be_visible()
    assert page.url == url, "sending changed the address"
    assert chat.history_length() == history, "sending added a history entry"

    page.click("#safety-open")
    safety = page.locator("section#safety")
    expect(safety).to_be_visible()
    guidance = safety.inner_text().casefold()
    assert "private" in guidance, guidance
    assert "history" in guidance, guidance
    expect(exit_button).to_be_visible()
    assert page.url == url, "opening the safety guidance changed the address"


def test_send_button_and_asking_for_a_person_records_an_escalation(
        live_server: LiveServer, browsers: Browsers) -> None:
    context = browsers.launch()
    chat = ChatPage(context.pages[0], live_server)
    chat.open_cover()
    chat.open_chat()

    welcome = chat.send("hi", how="button")
    person = chat.send("3", how="button")

    assert any(WELCOME_MARK in reply for reply in welcome), welcome
    assert any(PERSON_MARK in reply for reply in person), person
    with closing(sqlite3.connect(live_server.database_path)) as connection:
        rows = connection.execute("SELECT status, channel FROM escalations").fetchall()
    assert len(rows) == 1, rows
    assert rows[0][1] != "sms", rows


def test_arabic_is_served_right_to_left(live_server: LiveServer, browsers: Browsers) -> None:
    context = browsers.launch()
    chat = ChatPage(context.pages[0], live_server)
    page = chat.page
    # The guidance page (/notes) is all the survivor's; on the cover page only the chat's panel is
    # (issue 19: the cover keeps its own language and direction).
    for path, element in (("?lang=ar", "#chat"), ("notes?lang=ar", "html")):
        chat.open_cover(path)
        survivors = page.locator(element)
        expect(survivors).to_have_attribute("lang", "ar")
        expect(survivors).to_have_attribute("dir", "rtl")
        assert names_the_service(page.title()) == [], page.title()
    chat.open_cover("?lang=ar")
    chat.open_chat()
    replies = chat.send("مرحبا")
    assert replies, "no reply in Arabic"
    expect(page.locator("#quick-exit")).to_be_visible()
    emergency = normalise(page.locator("#emergency").inner_text())
    assert "999" in emergency, emergency
