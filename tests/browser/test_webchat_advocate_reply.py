"""An advocate's reply reaching the web chat, in two Chromium launches with their own profiles.

The survivor opens the chat on the cover page and writes "person", which opens a case; an
advocate signs in through the real form in another browser, claims the case and replies
(#text, "Check before sending", then "Send" on the preview page). The reply is stored
`queued`; the survivor's page collects it with POST /chat/poll every 4 s while it holds a token
(app/web_assets/chat.js) and shows it as `li.message.from-advocate` (`Replies.collect_web`
hands each reply over once). After quick exit the conversation is ended, so nothing the
advocate writes can reach that page any more, and the advocate is told why
(`outbound_gate.EXPLANATIONS["ended"]`). docs/threat-model.md, A1: the reply, like everything
else of the chat, leaves nothing in the survivor's browser profile.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Response, expect
from sqlalchemy import select

from app.casework.outbound_gate import EXPLANATIONS
from app.services import services
from app.storage.models import Escalation, Reply
from tests.browser.chat import EXIT_URL, PERSON_MARK, ChatPage, ExitSite
from tests.browser.harness import CONTROL_VALUE, Browsers, ControlSite, LiveServer
from tests.browser.profile import Profile
from tests.browser.test_advocates_queue import claim, sign_in
from tests.support import staff  # not `TestAdvocate` itself: pytest would try to collect it

pytestmark = pytest.mark.browser

# Passes the lock-screen rule (flows/outbound.yaml): nothing telling in its first 40 characters.
REPLY = "Hello, this is Sam. I can talk now if you can."
REPLY_CANARY = "ql-reply-canary-6d2a"
# The page polls every 4 s: a reply shows within one cycle plus the time to answer it.
REPLY_WITHIN_MS = 10_000
NEXT_POLL_WITHIN_MS = 6_000
LEFT_THE_CHAT = EXPLANATIONS["ended"]  # "The survivor left the web chat; ..."


def ask_for_a_person(page: Page, server: LiveServer) -> tuple[ChatPage, int]:
    """The survivor opens the chat and writes "person"; returns the page and the case's id."""
    chat = ChatPage(page, server)
    chat.open_cover()
    chat.open_chat()
    answer = chat.send("person")
    assert any(PERSON_MARK in text for text in answer), answer
    with server.app.app_context(), services().database.transaction() as connection:
        case_ids = connection.execute(select(Escalation.id)).scalars().all()
    assert len(case_ids) == 1, case_ids
    return chat, case_ids[0]


def advocate_holding(browsers: Browsers, server: LiveServer, case_id: int) -> Page:
    """An advocate signed in through the form, in their own browser, on the claimed case."""
    advocate = staff.make_advocate(server.app, "sam@example.org")
    page = browsers.launch_on_disk("advocate").pages[0]
    sign_in(page, server, advocate)
    claim(page, server, case_id)
    return page


def check_before_sending(page: Page, server: LiveServer, case_id: int, text: str) -> None:
    page.fill("#text", text)
    with page.expect_response(server.url(f"/advocates/cases/{case_id}/reply/preview")):
        page.click("#preview")


def send_reply(page: Page, server: LiveServer, case_id: int, text: str) -> None:
    check_before_sending(page, server, case_id, text)
    expect(page.get_by_text("It will go now.")).to_be_visible()
    page.click("#send")
    page.wait_for_url(server.url(f"/advocates/cases/{case_id}"))


def wait_for_next_poll(page: Page, server: LiveServer) -> Response:
    """The page's next POST /chat/poll answer (one full polling cycle, no fixed sleep)."""
    with page.expect_response(lambda r: r.url == server.url("/chat/poll"),
                              timeout=NEXT_POLL_WITHIN_MS) as polled:
        pass
    return polled.value


def reply_statuses(server: LiveServer) -> list[str]:
    with server.app.app_context(), services().database.transaction() as connection:
        return list(connection.execute(select(Reply.status)).scalars().all())


def test_the_advocates_reply_shows_once_on_the_open_chat_without_a_reload(
        live_server: LiveServer, browsers: Browsers) -> None:
    survivor = browsers.launch_on_disk("survivor").pages[0]
    chat, case_id = ask_for_a_person(survivor, live_server)
    survivor.evaluate("window.__sameDocument = 'before the reply'")
    advocate = advocate_holding(browsers, live_server, case_id)

    send_reply(advocate, live_server, case_id, REPLY)

    from_advocate = survivor.locator("li.message.from-advocate")
    expect(from_advocate).to_have_count(1, timeout=REPLY_WITHIN_MS)
    expect(from_advocate).to_have_text(REPLY)
    assert reply_statuses(live_server) == ["sent"]
    later = wait_for_next_poll(survivor, live_server)
    assert later.json()["replies"] == [], "the reply was handed over a second time"
    expect(from_advocate).to_have_count(1)
    assert survivor.evaluate("window.__sameDocument") == "before the reply", "the page reloaded"
    assert survivor.evaluate("performance.getEntriesByType('navigation').length") == 1
    covers = [s for s in live_server.served if s.method == "GET" and s.path == "/"]
    assert len(covers) == 1, f"the cover page was loaded {len(covers)} times"
    assert chat.page.url == live_server.base_url


def test_after_quick_exit_a_reply_is_refused_with_the_reason_and_never_collected(
        live_server: LiveServer, browsers: Browsers) -> None:
    survivor_context = browsers.launch_on_disk("survivor")
    chat, case_id = ask_for_a_person(survivor_context.pages[0], live_server)
    tokens = chat.tokens
    assert tokens, "no message was sent with a token"
    advocate = advocate_holding(browsers, live_server, case_id)
    # The advocate checks the reply while the survivor is still there: it may go now.
    check_before_sending(advocate, live_server, case_id, REPLY)
    expect(advocate.locator("#send")).to_be_visible()

    ExitSite(survivor_context).install()
    chat.page.click("#quick-exit")
    chat.page.wait_for_url(EXIT_URL)
    live_server.wait_served("POST", "/chat/exit")
    with advocate.expect_response(live_server.url(f"/advocates/cases/{case_id}/reply")) as sent:
        advocate.click("#send")

    assert sent.value.status == 422, f"a reply to a survivor who left got {sent.value.status}"
    expect(advocate.get_by_role("alert")).to_contain_text(LEFT_THE_CHAT)
    # A late poll with the page's old token (say, one still in flight) collects nothing.
    with live_server.app.app_context():
        assert [services().chat_sessions.collect(token) for token in tokens] == [[]] * len(
            tokens)
    statuses = reply_statuses(live_server)
    assert "sent" not in statuses, statuses
    assert set(statuses) <= {"cancelled", "held", "queued"}, statuses
    advocate.goto(live_server.url(f"/advocates/cases/{case_id}"))
    expect(advocate.locator("#gate")).to_have_text(LEFT_THE_CHAT)
    check_before_sending(advocate, live_server, case_id, REPLY)
    expect(advocate.get_by_role("alert")).to_contain_text(LEFT_THE_CHAT)
    expect(advocate.locator("#send")).to_have_count(0)


def test_the_reply_text_is_nowhere_in_the_survivors_profile_after_the_browser_closes(
        live_server: LiveServer, browsers: Browsers) -> None:
    survivor_context = browsers.launch_on_disk("survivor")
    survivor = survivor_context.pages[0]
    # Positive control: a value this site stores and a page it lets be cached, which the
    # inspection below must find, so finding no reply means something.
    with ControlSite() as control:
        survivor.goto(control.url)
        survivor.wait_for_function("window.controlDone()")
    _, case_id = ask_for_a_person(survivor, live_server)
    advocate = advocate_holding(browsers, live_server, case_id)
    text = f"{REPLY} Ref {REPLY_CANARY}"

    send_reply(advocate, live_server, case_id, text)
    expect(survivor.locator("li.message.from-advocate")).to_have_text(
        [text], timeout=REPLY_WITHIN_MS)
    # A further cycle with the reply on screen: time for Chromium to write the page's state.
    wait_for_next_poll(survivor, live_server)
    survivor_context.close()

    profile = Profile(browsers.profile("survivor"))
    assert profile.files_containing([CONTROL_VALUE]), "the inspection cannot find stored values"
    cached = profile.http_cache_urls()
    assert control.url in cached, f"the inspection cannot read the HTTP cache: {cached}"
    polls = [url for url in cached if url.startswith(live_server.origin)
             and urlsplit(url).path == "/chat/poll"]
    assert polls == [], f"chat polls in the HTTP cache: {polls}"
    found = profile.files_containing([REPLY_CANARY])
    assert found == {}, f"the advocate's reply is in the survivor's profile: {sorted(found)}"
