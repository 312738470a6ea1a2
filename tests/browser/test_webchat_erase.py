"""The survivor deletes the conversation from the chat page, in Chromium (SAFETY.md A1, A4).

Contract: `#erase` in the chat panel opens an in-page confirmation, `#erase-confirm` (an
alertdialog named by its question `#erase-question`, which takes focus), with `#erase-yes` and
`#erase-no`. "No" or Escape closes it, returns focus to `#erase` and changes nothing. "Yes"
posts `/chat/erase` with the page's token, then empties `#messages`, forgets the token (the
next message starts a new conversation) and shows the server's answer in `#chat-notice`; a
request that never arrives shows the network error and keeps the token, so "Yes" can be tried
again. Quick exit works as ever while the question is open.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from app.services import Services, services
from app.storage import transcripts
from app.storage.models import Conversation
from tests.browser.chat import EXIT_URL, WELCOME_MARK, ChatPage, ExitSite, header_problems
from tests.browser.harness import CONTROL_VALUE, Browsers, ControlSite, LiveServer, Served
from tests.browser.profile import Profile, origin_forms
from tests.browser.test_webchat_accessibility import _blocking_violations
from tests.browser.test_webchat_traces import LINGER_MS
from tests.conftest import MovableClock

pytestmark = pytest.mark.browser

CANARY = "ql-erase-canary-3f6a"


def _conversations(app: Flask) -> dict[uuid.UUID, list[str]]:
    """Every conversation in the live server's database, with its messages opened."""
    with app.app_context(), services().database.transaction() as connection:
        ids = connection.execute(select(Conversation.id)).scalars().all()
        return {conversation_id: [m.body for m in transcripts.transcript(
            connection, services().keyring, conversation_id)] for conversation_id in ids}


def services_of(server: LiveServer) -> Services:
    with server.app.app_context():
        return services()


def _chat_with_canary(server: LiveServer, context: BrowserContext, query: str = "") -> ChatPage:
    chat = ChatPage(context.pages[0], server)
    chat.open_cover(query)
    chat.open_chat()
    replies = chat.send(f"hello {CANARY}")
    assert replies, "no reply to the first message"
    return chat


def _ask_to_erase(page: Page) -> None:
    page.click("#erase")
    expect(page.get_by_role("alertdialog")).to_have_accessible_name(
        page.locator("#erase-question").inner_text())
    expect(page.locator("#erase-question")).to_be_focused()


def _confirm_erase(chat: ChatPage) -> dict[str, Any]:
    """Press "Yes"; the server's answer to /chat/erase."""
    with chat.page.expect_response(chat.server.url("/chat/erase")) as answer:
        chat.page.click("#erase-yes")
    assert answer.value.status == 200
    return dict(answer.value.json())


def _erase_requests(server: LiveServer) -> list[Served]:
    return [s for s in server.served if s.path == "/chat/erase"]


def test_no_and_escape_keep_the_conversation(live_server: LiveServer,
                                             browsers: Browsers) -> None:
    chat = _chat_with_canary(live_server, browsers.launch_on_disk())
    page = chat.page

    _ask_to_erase(page)
    page.keyboard.press("Tab")
    expect(page.locator("#erase-yes")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#erase-no")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#erase-confirm")).to_be_hidden()
    expect(page.locator("#erase")).to_be_focused()
    _ask_to_erase(page)
    page.keyboard.press("Escape")

    expect(page.locator("#erase-confirm")).to_be_hidden()
    expect(page.locator("#erase")).to_be_focused()
    assert chat.own_messages() == [f"hello {CANARY}"]
    assert _erase_requests(live_server) == []
    [kept] = _conversations(live_server.app).values()
    assert f"hello {CANARY}" in kept


def test_yes_empties_the_page_erases_on_the_server_and_starts_afresh(
        live_server: LiveServer, browsers: Browsers) -> None:
    chat = _chat_with_canary(live_server, browsers.launch_on_disk())
    page = chat.page
    _ask_to_erase(page)

    answer = _confirm_erase(chat)

    assert answer["erased"] is True, answer
    [served] = _erase_requests(live_server)
    assert header_problems(served.headers) == [], "the answer lacks the no-trace headers"
    expect(page.locator("#messages li")).to_have_count(0)
    expect(page.locator("#chat-notice")).to_have_text(answer["message"])
    expect(page.locator("#erase-confirm")).to_be_hidden()
    expect(page.locator("#erase")).to_be_focused()
    assert _conversations(live_server.app) == {}

    replies = chat.send("hello again")

    assert any(WELCOME_MARK in reply for reply in replies), replies
    expect(page.locator("#chat-notice")).to_be_empty()
    assert len(chat.tokens) == 2, "the next message did not start with a new token"
    [fresh] = _conversations(live_server.app).values()
    assert "hello again" in fresh
    assert not [text for text in fresh if CANARY in text], fresh


def test_yes_also_erases_the_conversation_the_page_left_idle(
        live_server: LiveServer, browsers: Browsers, clock: MovableClock) -> None:
    """A page left open past the idle timeout starts a new conversation with its next message,
    but the earlier messages are still on the screen: "delete this conversation" must not
    leave them on the server while the page says it was deleted."""
    clock.set(datetime(2026, 11, 25, 21, 0, tzinfo=UTC))
    chat = _chat_with_canary(live_server, browsers.launch_on_disk())
    idle = services_of(live_server).settings.deployment.conversation_idle_minutes
    clock.advance(timedelta(minutes=idle + 1))
    chat.send("are you still there")
    assert len(_conversations(live_server.app)) == 2, "the idle one was not replaced"
    _ask_to_erase(chat.page)

    with chat.page.expect_request(live_server.url("/chat/erase")) as sent:
        answer = _confirm_erase(chat)

    assert answer["erased"] is True, answer
    asked = sent.value.post_data_json
    assert isinstance(asked, dict), asked
    # The page's messages went out under its first token; the new one came with the answer.
    assert asked["earlier"] == chat.tokens, asked
    assert asked["token"] not in chat.tokens, asked
    expect(chat.page.locator("#messages li")).to_have_count(0)
    assert _conversations(live_server.app) == {}, "the idle conversation was left behind"


def test_a_failed_request_keeps_the_token_to_try_again(live_server: LiveServer,
                                                       browsers: Browsers) -> None:
    chat = _chat_with_canary(live_server, browsers.launch_on_disk())
    page = chat.page
    network_error = page.evaluate(
        "JSON.parse(document.getElementById('chat-config').textContent).text.network")
    page.route(live_server.url("/chat/erase"), lambda route: route.abort())
    _ask_to_erase(page)

    page.click("#erase-yes")

    expect(page.locator("#chat-notice")).to_have_text(network_error)
    assert chat.own_messages() == [f"hello {CANARY}"]
    assert len(_conversations(live_server.app)) == 1
    page.unroute(live_server.url("/chat/erase"))
    _ask_to_erase(page)
    assert _confirm_erase(chat)["erased"] is True, "the token was lost after the failure"
    assert _conversations(live_server.app) == {}


def test_after_erasing_and_closing_the_profile_holds_no_trace(live_server: LiveServer,
                                                              browsers: Browsers) -> None:
    context = browsers.launch_on_disk()
    page = context.pages[0]
    with ControlSite() as control:  # a positive control: the scan must find its value
        page.goto(control.url)
        page.wait_for_function("window.controlDone()")
    chat = _chat_with_canary(live_server, context)
    tokens = chat.tokens
    assert tokens, "no message was sent with a token"
    _ask_to_erase(page)
    _confirm_erase(chat)
    expect(page.locator("#messages li")).to_have_count(0)
    page.wait_for_timeout(LINGER_MS)  # let Chromium write the page's state to disk
    context.close()

    profile = Profile(browsers.profile())
    assert profile.files_containing([CONTROL_VALUE]), "the scan cannot find stored values"
    cached = profile.http_cache_urls()
    assert control.url in cached, "the scan cannot read the HTTP cache"
    assert [url for url in cached if url.startswith(live_server.origin)] == [], cached
    assert profile.storage_files_mentioning(origin_forms("127.0.0.1", live_server.port)) == {}
    assert profile.files_containing([CANARY, WELCOME_MARK, *tokens]) == {}


@pytest.mark.parametrize("how", ["shift", "button"])
def test_quick_exit_works_while_the_question_is_open(live_server: LiveServer,
                                                     browsers: Browsers, how: str) -> None:
    context = browsers.launch_on_disk()
    ExitSite(context).install()
    chat = _chat_with_canary(live_server, context)
    page = chat.page
    _ask_to_erase(page)

    if how == "shift":
        for _ in range(3):
            page.keyboard.press("Shift")
    else:
        page.click("#quick-exit")

    page.wait_for_url(EXIT_URL)
    assert live_server.wait_served("POST", "/chat/exit").status == 204
    assert _erase_requests(live_server) == []
    with live_server.app.app_context(), services().database.session() as session:
        closed = session.scalars(select(Conversation.closed_at)).all()
    assert len(closed) == 1, closed
    assert closed[0] is not None, "quick exit did not end the conversation"


@pytest.mark.parametrize("language", ["en", "ar"])
def test_no_serious_accessibility_issues_while_deleting(live_server: LiveServer,
                                                        browsers: Browsers,
                                                        language: str) -> None:
    chat = _chat_with_canary(live_server, browsers.launch_on_disk(), f"?lang={language}")
    found: dict[str, list[str]] = {}

    _ask_to_erase(chat.page)
    found["question open"] = _blocking_violations(chat.page)
    _confirm_erase(chat)
    found["after deleting"] = _blocking_violations(chat.page)

    assert found == {"question open": [], "after deleting": []}
