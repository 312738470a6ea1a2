"""Nothing of a chat survives the tab (docs/threat-model.md, A1), checked in a real Chromium.

One full session (the safety page, the cover page, the chat: a message with a canary, a
request for a person, then half a sentence typed and left unsent, then quick exit) is watched
three ways:

1. From inside the page while it runs (instrument.js): every title and icon the tab showed,
   every attempt to use localStorage/sessionStorage, IndexedDB, Cache Storage, a service worker
   or a script cookie, and every Content-Security-Policy violation; and, just before the exit,
   what the page can see of its own Web Storage, cookies and service workers.
2. On the wire (Playwright's request events): until the exit navigation, every request goes to
   the chat's own origin, and no URL carries message text or a token.
3. On disk, after the browser has closed, the way someone holding the device could: the
   cookie database, the HTTP cache (entry keys read from the cache files), the storage areas
   (Local/Session Storage, IndexedDB, Service Worker and Cache Storage, WebStorage), the
   history and favicon databases, and every file of the profile searched for the message
   texts, the unsent draft and the tokens.

The disk checks are only worth something if they can find things, so before the chat the same
browser visits a control site (tests/browser/harness.py, ControlSite) that stores a value in
every kind of storage and serves a cacheable page; the test requires the inspection to find
all of those.

Playwright turns the browser's HTTP cache off while any route is installed, so the exit site's
route is installed only after the chat, just before leaving: the chat itself runs with the
cache on, as it would for a survivor.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from tests.browser.chat import (
    CHAT_ROUTES,
    EXIT_URL,
    PERSON_MARK,
    WELCOME_MARK,
    ChatPage,
    ExitSite,
    Observed,
    icon_bytes,
    names_the_service,
    observe,
)
from tests.browser.harness import Browsers, ControlSite, LiveServer
from tests.browser.profile import Profile, origin_forms

pytestmark = pytest.mark.browser

SENT_CANARY = "ql-sent-canary-41b7"
DRAFT_CANARY = "ql-draft-canary-9e03"
# Long enough for Chromium to sync the page's state (form contents included) to the browser
# process (about 1 s) and for the session service to write it to disk (2.5 s).
LINGER_MS = 3_000

# What the page itself can see of its storage just before the exit. IndexedDB and Cache
# Storage are deliberately not asked here: asking (indexedDB.databases(), caches.keys())
# makes Chromium record a storage bucket for the origin, which the disk check would then find.
# Their use is caught by instrument.js's spies and their contents by the disk check.
OWN_STORAGE = """async () => ({
  localStorage: localStorage.length,
  sessionStorage: sessionStorage.length,
  serviceWorkers: (await navigator.serviceWorker.getRegistrations()).length,
  cookie: document.cookie,
})"""


def _chat_session(page: Page, chat: ChatPage, server: LiveServer) -> None:
    page.goto(server.url("/notes"))
    chat.open_cover()
    chat.open_chat()
    welcome = chat.send(f"hello {SENT_CANARY}")
    assert any(WELCOME_MARK in reply for reply in welcome), welcome
    person = chat.send("3")
    assert any(PERSON_MARK in reply for reply in person), person
    page.click("#message-input")
    page.keyboard.type(f"he took my {DRAFT_CANARY}")
    page.wait_for_timeout(LINGER_MS)


def _assert_nothing_seen_in_the_page(observed: Observed, server: LiveServer) -> None:
    stored = [what for url, what in observed.storage if url.startswith(server.origin)]
    assert stored == [], f"the chat tried to store something: {stored}"
    violations = [what for url, what in observed.csp if url.startswith(server.origin)]
    assert violations == [], f"Content-Security-Policy violations: {violations}"
    chat_titles = [t for url, t in observed.titles if url.startswith(server.origin)]
    assert chat_titles, "no title was recorded for the chat's pages"
    for url, title in observed.titles:
        assert names_the_service(title) == [], f"title {title!r} on {url}"
    icons = {href for url, hrefs in observed.icons if url.startswith(server.origin)
             for href in hrefs.split("\n")}
    assert icons, "the chat's pages have no icon of their own (the cover site's)"
    for href in icons:
        body = icon_bytes(href, server).decode("utf-8", "replace")
        assert names_the_service(href) == [], f"icon address names the service: {href}"
        assert names_the_service(body) == [], f"icon {href[:60]}... names the service"


def test_a_full_chat_and_exit_leave_nothing_behind(live_server: LiveServer,
                                                   browsers: Browsers) -> None:
    context = browsers.launch_on_disk()
    observed = observe(context)
    page = context.pages[0]
    with ControlSite() as control:
        page.goto(control.url)
        page.wait_for_function("window.controlDone()")
    chat_requests_from = len(observed.requests)
    chat = ChatPage(page, live_server)

    _chat_session(page, chat, live_server)

    assert context.cookies(live_server.base_url) == [], "the chat set a cookie"
    own_storage: dict[str, Any] = page.evaluate(OWN_STORAGE)
    assert own_storage == {"localStorage": 0, "sessionStorage": 0,
                           "serviceWorkers": 0, "cookie": ""}
    during_chat = observed.requests[chat_requests_from:]
    tokens = chat.tokens
    assert tokens, "no message was sent with a token"
    ExitSite(context).install()
    page.click("#quick-exit")
    page.wait_for_url(EXIT_URL)
    live_server.wait_served("POST", "/chat/exit")
    _assert_nothing_seen_in_the_page(observed, live_server)
    context.close()

    # On the wire, until the exit navigation.
    elsewhere = [url for url in during_chat if not url.startswith(live_server.origin + "/")]
    assert elsewhere == [], f"requests left the chat's origin: {elsewhere}"
    carrying = [url for url in during_chat for secret in (SENT_CANARY, DRAFT_CANARY, *tokens)
                if secret in url]
    assert carrying == [], f"URLs carry chat text or a token: {carrying}"

    # On disk.
    profile = Profile(browsers.profile())
    chat_origin = origin_forms("127.0.0.1", live_server.port)
    control_origin = origin_forms("localhost", control.port)
    control_found = profile.storage_files_mentioning(control_origin)
    for area in ("Local Storage", "Session Storage", "IndexedDB", "CacheStorage"):
        assert any(area in path for path in control_found), (
            f"the inspection cannot find the control site's {area}: {sorted(control_found)}")
    cached = profile.http_cache_urls()
    assert control.url in cached, f"the inspection cannot read the HTTP cache: {cached}"
    cookies = profile.cookies()
    assert [c for c in cookies if c[0] == "localhost"], f"the control cookie is missing: {cookies}"

    assert [c for c in cookies if "127.0.0.1" in c[0]] == [], "the chat left a cookie"
    assert profile.storage_files_mentioning(chat_origin) == {}
    cached_chat = [url for url in cached if url.startswith(live_server.origin)
                   and urlsplit(url).path in CHAT_ROUTES]
    assert cached_chat == [], f"chat responses in the HTTP cache: {cached_chat}"
    secrets = [SENT_CANARY, DRAFT_CANARY, WELCOME_MARK, PERSON_MARK, *tokens]
    assert profile.files_containing(secrets) == {}, "chat text or a token is in the profile"
    history = profile.history()
    assert any(url.startswith(live_server.origin) for url, _ in history), (
        f"the inspection cannot read the history: {history}")
    for url, title in history:
        assert names_the_service(title) == [], f"history title {title!r} for {url}"
    for icon in profile.favicon_urls():
        assert names_the_service(icon_bytes(icon, live_server).decode("utf-8", "replace")
                                 if icon.startswith("data:") else icon) == [], icon
