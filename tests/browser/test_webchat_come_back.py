"""Coming back to the web chat later with a code of three words (issue 19, item 4), in Chromium.

A survivor asks for a person, chooses "come back here later" and sees the code once; leaves
with quick exit; an advocate replies meanwhile; the survivor opens the chat again, chooses
"I have a code", types it and reads the reply. At a phone's size and a desktop's, in English
and Arabic. Then the no-trace checks of test_webchat_traces.py, for the code: no cookie,
storage, cache entry, history entry or URL carries it, the page stays one request under 50 KB,
and the code's input turns autocomplete off.

QUIETLINE_SCREENSHOTS=<folder> keeps a screenshot of each step to look at.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from app.services import services
from app.staff.accounts import StaffMember
from app.storage.models import Escalation, Reply
from tests.browser.chat import EXIT_URL, PERSON_MARK, ChatPage, ExitSite, observe
from tests.browser.harness import Browsers, ControlSite, LiveServer
from tests.browser.profile import Profile, origin_forms
from tests.support import staff

pytestmark = pytest.mark.browser

REPLY = "Hello, this is Sam. Thank you for coming back."
SIZES: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
MAX_PAGE_BYTES = 50 * 1024


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("QUIETLINE_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def choose_to_come_back(page: Page, server: LiveServer, language: str) -> tuple[ChatPage, str]:
    """Ask for a person, say it is safe to talk, choose "come back here later": the code."""
    chat = ChatPage(page, server)
    chat.open_cover("" if language == "en" else f"?lang={language}")
    chat.open_chat()
    answer = chat.send("person")
    assert any(PERSON_MARK in text for text in answer) or language != "en", answer
    chat.send("1")
    chat.send("2")
    shown = page.locator(".code-words")
    expect(shown).to_have_count(1)
    code = shown.inner_text().strip()
    assert len(code.split(" ")) == 3, code
    return chat, code


def reply_meanwhile(server: LiveServer, text: str) -> None:
    """An advocate claims the case and replies while the survivor is away."""
    advocate = staff.make_advocate(server.app, "sam@example.org")
    member = StaffMember(advocate.id, advocate.email, "advocate", 0)
    with server.app.app_context():
        built = services()
        with built.database.transaction() as connection:
            (case_id,) = connection.execute(select(Escalation.id)).scalars().all()
        built.casework.claim(case_id, member)
        built.replies.send(case_id, member, text)


def reply_statuses(server: LiveServer) -> list[tuple[str, str | None]]:
    with server.app.app_context(), services().database.transaction() as connection:
        return [(r.status, r.hold_reason) for r in connection.execute(select(Reply)).all()]


def leave(context: BrowserContext, page: Page, server: LiveServer) -> None:
    ExitSite(context).install()
    page.click("#quick-exit")
    page.wait_for_url(EXIT_URL)
    server.wait_served("POST", "/chat/exit")


def come_back(page: Page, server: LiveServer, code: str, language: str) -> None:
    chat = ChatPage(page, server)
    chat.open_cover("" if language == "en" else f"?lang={language}")
    chat.open_chat()
    page.click("#code-toggle")
    box = page.locator("#code-input")
    expect(box).to_be_focused()
    box.fill(code)
    with page.expect_response(server.url("/chat/resume")) as answered:
        page.click("#code-submit")
    assert answered.value.status == 200, answered.value.text()


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_code_shown_once_brings_the_survivor_back_to_the_advocates_reply(
        live_server: LiveServer, browsers: Browsers, size: str, language: str) -> None:
    context = browsers.launch_on_disk("survivor", **SIZES[size])
    page = context.pages[0]
    chat, code = choose_to_come_back(page, live_server, language)
    expect(page.locator(".code-words")).to_be_in_viewport()
    expect(page.locator("#code-entry")).to_have_count(0)  # the start screen's entry is gone
    screenshot(page, f"come-back-code-{size}-{language}")
    leave(context, page, live_server)
    reply_meanwhile(live_server, REPLY)
    assert reply_statuses(live_server) == [("held", "awaiting_return")]

    page.unroute("**/*")
    come_back(page, live_server, code, language)
    from_advocate = page.locator("li.message.from-advocate")
    expect(from_advocate).to_have_text([REPLY])
    expect(page.locator(".code-words")).to_have_count(0)  # not shown again
    assert reply_statuses(live_server) == [("sent", None)]
    screenshot(page, f"come-back-reply-{size}-{language}")
    # The conversation goes on from here, under the new token.
    assert chat.send("thank you")


def test_a_wrong_code_says_so_with_999_and_opens_nothing(live_server: LiveServer,
                                                         browsers: Browsers) -> None:
    page = browsers.launch_on_disk("survivor", **SIZES["phone"]).pages[0]
    chat = ChatPage(page, live_server)
    chat.open_cover()
    chat.open_chat()
    page.click("#code-toggle")
    page.fill("#code-input", "maple river stone")
    page.click("#code-submit")
    expect(page.locator("#code-status")).to_contain_text("999")
    expect(page.locator("li.message.from-advocate")).to_have_count(0)
    screenshot(page, "come-back-wrong-code-phone-en")


def test_the_code_leaves_no_trace_in_the_browser(live_server: LiveServer,
                                                  browsers: Browsers) -> None:
    context = browsers.launch_on_disk(**SIZES["phone"])
    observed = observe(context)
    page = context.pages[0]
    with ControlSite() as control:
        page.goto(control.url)
        page.wait_for_function("window.controlDone()")
    from_here = len(observed.requests)
    cover = page.goto(live_server.base_url)
    assert cover is not None
    assert len(cover.body()) < MAX_PAGE_BYTES
    assert observed.requests[from_here:] == [live_server.base_url], "the page is one request"
    assert page.locator("#code-input").get_attribute("autocomplete") == "off"
    assert page.locator("#code-input").get_attribute("name") is None  # no form autofill key

    chat, code = choose_to_come_back(page, live_server, "en")
    leave(context, page, live_server)
    reply_meanwhile(live_server, REPLY)
    page.unroute("**/*")
    come_back(page, live_server, code, "en")
    expect(page.locator("li.message.from-advocate")).to_have_text([REPLY])
    own: dict[str, Any] = page.evaluate("""async () => ({
      localStorage: localStorage.length, sessionStorage: sessionStorage.length,
      serviceWorkers: (await navigator.serviceWorker.getRegistrations()).length,
      cookie: document.cookie, history: history.length, url: location.href})""")
    assert own["localStorage"] == own["sessionStorage"] == own["serviceWorkers"] == 0
    assert own["cookie"] == ""
    assert code not in own["url"]
    requested = observed.requests[from_here:]
    leave(context, page, live_server)
    stored = [what for url, what in observed.storage if url.startswith(live_server.origin)]
    assert stored == [], f"the chat tried to store something: {stored}"
    context.close()

    words = code.split(" ")
    carrying = [url for url in requested
                if any(form in url for form in (code, "-".join(words), "+".join(words),
                                                "%20".join(words)))]
    assert carrying == [], f"URLs carry the code: {carrying}"
    profile = Profile(browsers.profile())
    cached = profile.http_cache_urls()
    assert control.url in cached, f"the inspection cannot read the HTTP cache: {cached}"
    assert [u for u in cached if u.startswith(live_server.origin)
            and urlsplit(u).path.startswith("/chat/")] == []
    assert [c for c in profile.cookies() if "127.0.0.1" in c[0]] == []
    assert profile.storage_files_mentioning(origin_forms("127.0.0.1", live_server.port)) == {}
    for url, _title in profile.history():
        # Not the host: the control site is "localhost", and a code may hold "host" or "local".
        where = urlsplit(url)
        after_host = unquote_plus(f"{where.path}?{where.query}#{where.fragment}")
        assert all(word not in after_host for word in words), url
    secrets = [code, "-".join(words), REPLY, *chat.tokens]
    assert profile.files_containing(secrets) == {}, "the code or the reply is in the profile"
