"""Quick exit, in Chromium: the button and Shift pressed three times.

Contract (issue 12): clicking `#quick-exit`, or pressing Shift three times within one second
(also while `#message-input` has focus; Shift held to type a capital letter does not count),
blanks the page at once (`data-exited` on <html>, nothing of the chat visible or left in the
DOM text), sends a beacon to `POST /chat/exit` and calls `location.replace(exit URL)`. The page
records `window.__exitTimings = {pressed, blanked}`; blanked - pressed < 100 ms. Back then
does not show the chat. After the beacon, the old token opens nothing: it gets a fresh
conversation.

Three Shift presses spread over more than a second do not exit.

The exit navigation is held (the exit site's route answers only when released), so the
blanked chat page stays on screen and renders a frame before it is replaced; instrument.js
reports its state at the moment `data-exited` appeared and at the next animation frame
(through a binding: Chromium holds DevTools commands to a page while a navigation to another
site is pending, so the test cannot evaluate in it then). The blank time is measured twice:
by the page's own `__exitTimings`, and independently from the triggering input event's
timestamp to the moment `data-exited` appeared (and to the next frame).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import pytest
from playwright.sync_api import APIRequestContext, BrowserContext, Page, expect

from tests.browser.chat import (
    EXIT_URL,
    PERSON_MARK,
    START_URL,
    WELCOME_MARK,
    ChatPage,
    ExitSite,
    Observed,
    observe,
    wait_until,
)
from tests.browser.harness import Browsers, LiveServer

pytestmark = pytest.mark.browser

CANARY = "ql-exit-canary-8c2d"

def _chat_with_one_message(server: LiveServer, context: BrowserContext) -> ChatPage:
    chat = ChatPage(context.pages[0], server)
    chat.open_cover()
    chat.open_chat()
    replies = chat.send(f"hello {CANARY}")
    assert any(WELCOME_MARK in reply for reply in replies), replies
    return chat


def _press_shift_three_times(page: Page) -> None:
    for _ in range(3):
        page.keyboard.press("Shift")


def _assert_blanked_at_once(page: Page, observed: Observed,
                            exit_site: ExitSite) -> dict[str, Any]:
    """While the exit navigation is held: the chat page went blank, in time, and stayed so."""
    wait_until(page, lambda: bool(exit_site.held), "the exit navigation to start")
    wait_until(page, lambda: len(observed.blank) == 2, "the blanked page to be reported")
    at_blank, at_frame = observed.blank
    for state in (at_blank, at_frame):
        assert state["exited"], "<html> lost its data-exited attribute"
        assert state["visibleText"].strip() == "", f"still visible: {state['visibleText']!r}"
        assert not state["chatVisible"], "the chat panel is still visible"
        for text in (CANARY, WELCOME_MARK, "i need to go now"):
            assert text not in state["allText"], f"{text!r} is still in the page's DOM text"
    timings = at_blank["timings"]
    assert timings is not None, "the page did not record window.__exitTimings"
    assert timings["blanked"] >= timings["pressed"], timings
    trigger = at_blank["input"]
    assert trigger is not None, "no input event before the page blanked"
    assert at_blank["observed"] >= trigger["at"], f"blanked before {trigger}"
    # "At once" as a survivor sees it: the page blanks in the very task of the key or click,
    # before the browser draws another frame, so no frame shows the chat after the press.
    # (Counted in frames, not milliseconds: a loaded machine draws later, never in between.)
    assert at_blank["frames"] == trigger["frames"], (
        f"{at_blank['frames'] - trigger['frames']} frame(s) drawn between {trigger} and the "
        "blank page")
    assert at_frame["frame"] >= at_blank["observed"]
    return at_blank


def _assert_landed_on_exit_site(page: Page, exit_site: ExitSite) -> None:
    exit_site.release()
    page.wait_for_url(EXIT_URL)
    expect(page.locator("h1")).to_have_text("Weather")


def test_exit_button_blanks_at_once_and_lands_on_the_exit_url(
        live_server: LiveServer, browsers: Browsers) -> None:
    context = browsers.launch()
    observed = observe(context)
    exit_site = ExitSite(context).install()
    chat = _chat_with_one_message(live_server, context)
    exit_site.hold = True

    chat.click_without_waiting("#quick-exit")

    state = _assert_blanked_at_once(chat.page, observed, exit_site)
    assert state["input"]["type"] in ("pointerdown", "mousedown", "mouseup", "click"), state
    _assert_landed_on_exit_site(chat.page, exit_site)
    live_server.wait_served("POST", "/chat/exit")


@pytest.mark.parametrize("focus", ["message-input", "page"])
def test_shift_three_times_exits_also_mid_sentence(live_server: LiveServer, browsers: Browsers,
                                                   focus: str) -> None:
    context = browsers.launch()
    observed = observe(context)
    exit_site = ExitSite(context).install()
    chat = _chat_with_one_message(live_server, context)
    page = chat.page
    if focus == "message-input":
        page.click("#message-input")
        page.keyboard.type("i need to go now")  # half a sentence, not sent
    else:
        page.locator("#messages").click()
        assert page.evaluate("document.activeElement.id") != "message-input"
    exit_site.hold = True

    _press_shift_three_times(page)

    state = _assert_blanked_at_once(page, observed, exit_site)
    assert state["input"]["key"] == "Shift", state
    _assert_landed_on_exit_site(page, exit_site)
    live_server.wait_served("POST", "/chat/exit")


def test_capital_letters_do_not_count_towards_the_shift_exit(live_server: LiveServer,
                                                             browsers: Browsers) -> None:
    context = browsers.launch()
    observe(context)
    exit_site = ExitSite(context).install()
    chat = _chat_with_one_message(live_server, context)
    page = chat.page
    page.click("#message-input")

    # "Hello World" typed as a person does (Shift held for each capital), then one Shift alone:
    # only that last one may count, so this is one press, not three.
    for capital, rest in (("H", "ello "), ("W", "orld")):
        page.keyboard.down("Shift")
        page.keyboard.press(f"Key{capital}")
        page.keyboard.up("Shift")
        page.keyboard.type(rest)
    page.keyboard.press("Shift")
    page.wait_for_timeout(300)  # an exit would have blanked the page within 100 ms

    assert not page.evaluate("document.documentElement.hasAttribute('data-exited')"), (
        "typing 'Hello World' triggered quick exit")
    assert exit_site.requested == []
    expect(page.locator("#message-input")).to_have_value("Hello World")
    assert page.url == live_server.base_url

    # Three presses spread over more than a second do not exit either (after a second's
    # pause, so the lone press above has left the window).
    page.wait_for_timeout(1000)
    for pause in (600, 600, 0):
        page.keyboard.press("Shift")
        page.wait_for_timeout(pause)
    page.wait_for_timeout(300)
    assert not page.evaluate("document.documentElement.hasAttribute('data-exited')"), (
        "three Shift presses over 1.2 seconds triggered quick exit")

    # The listener was live all along: three quick presses alone do exit.
    page.wait_for_timeout(1000)
    _press_shift_three_times(page)
    page.wait_for_url(EXIT_URL)


def test_back_after_exit_does_not_show_the_chat(live_server: LiveServer,
                                                browsers: Browsers) -> None:
    context = browsers.launch()
    ExitSite(context).install()
    page = context.pages[0]
    page.goto(START_URL)  # somewhere for Back to go
    chat = ChatPage(page, live_server)
    chat.open_cover()
    chat.open_chat()
    chat.send(f"hello {CANARY}")
    chat.send("3")

    page.click("#quick-exit")
    page.wait_for_url(EXIT_URL)

    # The tab's whole session history, as the browser keeps it: the cover page's entry was
    # replaced by the exit site, so nothing of the chat's origin is left in it.
    cdp = context.new_cdp_session(page)
    history = cdp.send("Page.getNavigationHistory")
    cdp.detach()
    urls = [entry["url"] for entry in history["entries"]]
    assert urls[-2:] == [START_URL, EXIT_URL], urls
    assert not [url for url in urls if url.startswith(live_server.origin)], urls

    page.go_back()

    assert page.url == START_URL, f"Back went to {page.url}"
    text = page.locator("html").inner_text()
    for leaked in (CANARY, WELCOME_MARK, PERSON_MARK):
        assert leaked not in text, f"{leaked!r} shown after Back"
    assert page.locator("#chat").count() == 0
    page.go_forward()
    assert page.url == EXIT_URL


def test_exit_ends_the_conversation_on_the_server(live_server: LiveServer, browsers: Browsers,
                                                  api: APIRequestContext) -> None:
    context = browsers.launch()
    ExitSite(context).install()
    chat = _chat_with_one_message(live_server, context)
    with closing(sqlite3.connect(live_server.database_path)) as connection:
        open_before = connection.execute(
            "SELECT id FROM conversations WHERE closed_at IS NULL").fetchall()
    assert len(open_before) == 1, open_before
    [token] = chat.tokens

    chat.page.click("#quick-exit")
    chat.page.wait_for_url(EXIT_URL)
    exit_response = live_server.wait_served("POST", "/chat/exit")

    assert exit_response.status == 204
    with closing(sqlite3.connect(live_server.database_path)) as connection:
        closed = connection.execute("SELECT closed_at FROM conversations WHERE id = ?",
                                    open_before[0]).fetchone()
    assert closed is not None
    assert closed[0] is not None, "the conversation is still open after the exit beacon"
    response = api.post("/chat/send", data={"token": token, "id": "a" * 32, "text": "hello"})
    assert response.status == 200, response.text()
    body = response.json()
    assert body["token"] != token, "the old token still opens the old conversation"
    assert isinstance(body["notice"], str), body
    assert body["notice"].strip(), body
    assert any(WELCOME_MARK in reply for reply in body["replies"]), body
