"""The guidance page's (/notes) quick exit, in Chromium (survivor6's N1).

With JavaScript, the exit link and Shift pressed three times replace /notes in the tab's
history, as the chat's quick exit does: Back (history.back()) goes to the page before, never
to /notes or anything of the chat's site. Without JavaScript the link still leaves (its
fallback), and the page says that it then stays in the history. Screenshots at a phone's and a
laptop's size, in English and Arabic, go to $QUIETLINE_SCREENSHOTS when it is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.chat import EXIT_URL, START_URL, ExitSite
from tests.browser.harness import Browsers, LiveServer

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 768}}


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("QUIETLINE_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def history_urls(context: BrowserContext, page: Page) -> list[str]:
    cdp = context.new_cdp_session(page)
    history = cdp.send("Page.getNavigationHistory")
    cdp.detach()
    return [entry["url"] for entry in history["entries"]]


def open_notes(context: BrowserContext, server: LiveServer, language: str) -> Page:
    page = context.pages[0]
    page.goto(START_URL)  # somewhere for Back to go
    page.goto(server.url(f"/notes?lang={language}"))
    expect(page.locator("#quick-exit")).to_be_visible()
    return page


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("how", ["link", "shift"])
def test_leaving_the_guide_leaves_no_history_entry(live_server: LiveServer, browsers: Browsers,
                                                   language: str, size: str, how: str) -> None:
    context = browsers.launch(viewport=SIZES[size])
    ExitSite(context).install()
    page = open_notes(context, live_server, language)
    assert page.evaluate("document.documentElement.classList.contains('js')")
    if how == "link":
        screenshot(page, f"notes-{language}-{size}")
        page.click("#quick-exit")
    else:
        page.locator("#safety-title").click()
        for _ in range(3):
            page.keyboard.press("Shift")
    page.wait_for_url(EXIT_URL)

    urls = history_urls(context, page)
    assert urls[-2:] == [START_URL, EXIT_URL], urls
    assert not [url for url in urls if url.startswith(live_server.origin)], urls
    page.evaluate("history.back()")
    page.wait_for_url(START_URL)
    assert not page.url.startswith(live_server.origin)
    expect(page.locator("h1")).to_have_text("News")


def test_the_shift_hint_shows_only_where_shift_works(live_server: LiveServer,
                                                     browsers: Browsers) -> None:
    scripted = browsers.launch(viewport=SIZES["laptop"])
    ExitSite(scripted).install()
    with_script = open_notes(scripted, live_server, "en")
    expect(with_script.locator(".notes-shift-hint")).to_be_visible()
    expect(with_script.locator("#notes-no-script")).to_have_count(0)

    context = browsers.launch(viewport=SIZES["laptop"], java_script_enabled=False)
    ExitSite(context).install()
    page = open_notes(context, live_server, "en")
    expect(page.locator(".notes-shift-hint")).to_be_hidden()
    expect(page.locator("#notes-no-script")).to_be_visible()
    screenshot(page, "notes-en-laptop-no-javascript")
    # The plain link is the fallback: it leaves, and (as the page now says) /notes stays.
    page.click("#quick-exit")
    page.wait_for_url(EXIT_URL)
    assert live_server.url("/notes?lang=en") in history_urls(context, page)
