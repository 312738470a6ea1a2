"""The web chat's safe-number form for "text me" / "call me at a safe time" (issue 19, item 4),
in Chromium at a phone's size, in English and Arabic.

A survivor asks for a person, chooses to be texted, and the chat shows its own form: the
number is checked as a UK mobile (a wrong one gets a clear answer naming 999 and the code
instead), saved, and then gone from the page. The no-trace checks of test_webchat_traces.py,
for the number: no cookie, storage, cache entry, history entry, URL or profile file carries it,
the input has no name and autocomplete off, and the page stays one request.

QUIETLINE_SCREENSHOTS=<folder> keeps a screenshot of each step to look at.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.services import services
from app.storage.models import SafeNumber
from tests.browser.chat import EXIT_URL, ChatPage, ExitSite, observe
from tests.browser.harness import Browsers, LiveServer
from tests.browser.profile import Profile, origin_forms

pytestmark = pytest.mark.browser

PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "has_touch": True,
                         "is_mobile": True}
TYPED = "07700 900321"
SERVICE_NUMBER = "+447700900000"
# Every way the number could show up in the page, a URL or the profile.
FORMS = (TYPED, "07700900321", "+447700900321", "447700900321", "7700900321", "900321")


@pytest.fixture
def texting_server(environ: dict[str, str], request: pytest.FixtureRequest) -> LiveServer:
    """The chat as a deployment with a number to text and call from serves it (without one it
    does not offer a safe number at all)."""
    environ["TWILIO_FROM_NUMBER"] = SERVICE_NUMBER
    server: LiveServer = request.getfixturevalue("live_server")
    return server


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("QUIETLINE_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def ask_to_be_texted(page: Page, server: LiveServer, language: str) -> ChatPage:
    chat = ChatPage(page, server)
    chat.open_cover("" if language == "en" else f"?lang={language}")
    chat.open_chat()
    chat.send("person")
    chat.send("1")
    chat.send("3")  # text me at a safe number (flows/webchat.yaml, web_person_how_texts)
    return chat


def links(server: LiveServer) -> list[str]:
    with server.app.app_context(), services().database.transaction() as connection:
        return [row.status for row in connection.execute(select(SafeNumber)).all()]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_number_form_checks_saves_and_leaves_nothing_on_the_page(
        texting_server: LiveServer, browsers: Browsers, language: str) -> None:
    live_server = texting_server
    context = browsers.launch_on_disk("survivor", **PHONE)
    page = context.pages[0]
    ask_to_be_texted(page, live_server, language)
    box = page.locator("#number-input")
    expect(box).to_be_visible()
    expect(box).to_be_in_viewport()
    expect(page.locator("#number-warning")).to_be_visible()
    assert box.get_attribute("autocomplete") == "off"
    assert box.get_attribute("name") is None
    assert page.locator("#number-form").get_attribute("autocomplete") == "off"
    # The form and the quick-exit button do not overlap at 390 px.
    exit_box, form_box = (page.locator("#quick-exit").bounding_box(),
                          page.locator("#number-form").bounding_box())
    assert exit_box is not None
    assert form_box is not None
    assert (exit_box["y"] + exit_box["height"] <= form_box["y"]
            or form_box["y"] + form_box["height"] <= exit_box["y"]
            or exit_box["x"] + exit_box["width"] <= form_box["x"]
            or form_box["x"] + form_box["width"] <= exit_box["x"])
    screenshot(page, f"safe-number-form-{language}")

    box.fill("020 7946 0000")  # a landline: not a mobile
    with page.expect_response(live_server.url("/chat/number")) as refused:
        page.click("#number-submit")
    assert refused.value.status == 400
    expect(page.locator("#number-status")).to_contain_text("999")
    expect(box).to_have_value("")
    assert links(live_server) == []

    box.fill(TYPED)
    with page.expect_response(live_server.url("/chat/number")) as saved:
        page.click("#number-submit")
    assert saved.value.status == 200
    expect(page.locator("#number-form")).to_have_count(0)
    expect(page.locator("li.message.notice").last).to_contain_text(SERVICE_NUMBER)
    assert links(live_server) == ["waiting"]
    shown = page.evaluate("document.documentElement.outerHTML + document.body.innerText")
    assert all(form not in shown for form in FORMS), "the number is still on the page"
    screenshot(page, f"safe-number-saved-{language}")

    ExitSite(context).install()
    page.click("#quick-exit")
    page.wait_for_url(EXIT_URL)


def test_the_number_leaves_no_trace_in_the_browser(texting_server: LiveServer,
                                                    browsers: Browsers) -> None:
    live_server = texting_server
    context = browsers.launch_on_disk(**PHONE)
    observed = observe(context)
    page = context.pages[0]
    ask_to_be_texted(page, live_server, "en")
    page.fill("#number-input", TYPED)
    with page.expect_response(live_server.url("/chat/number")) as saved:
        page.click("#number-submit")
    assert saved.value.status == 200
    own: dict[str, Any] = page.evaluate("""async () => ({
      localStorage: localStorage.length, sessionStorage: sessionStorage.length,
      serviceWorkers: (await navigator.serviceWorker.getRegistrations()).length,
      cookie: document.cookie, url: location.href})""")
    assert own["localStorage"] == own["sessionStorage"] == own["serviceWorkers"] == 0
    assert own["cookie"] == ""
    assert all(form not in own["url"] for form in FORMS)
    ExitSite(context).install()
    page.click("#quick-exit")
    page.wait_for_url(EXIT_URL)
    requested = list(observed.requests)
    stored = [what for url, what in observed.storage if url.startswith(live_server.origin)]
    assert stored == [], f"the chat tried to store something: {stored}"
    context.close()

    assert [url for url in requested if any(form in url for form in FORMS)] == []
    profile = Profile(browsers.profile())
    assert [u for u in profile.http_cache_urls() if u.startswith(live_server.origin)
            and urlsplit(u).path.startswith("/chat/")] == []
    assert [c for c in profile.cookies() if "127.0.0.1" in c[0]] == []
    assert profile.storage_files_mentioning(origin_forms("127.0.0.1", live_server.port)) == {}
    for url, _title in profile.history():
        assert all(form not in url for form in FORMS), url
    # Chromium's form-autocomplete store ("Web Data") and every other profile file.
    assert profile.files_containing(list(FORMS)) == {}, "the number is in the profile"


def test_a_number_typed_in_the_message_box_is_saved_and_the_form_goes(
        texting_server: LiveServer, browsers: Browsers) -> None:
    """survivor6's N4: typed into the chat's own box instead of the form, the number is taken
    as from the form (app/conversation/typed_numbers.py): not asked again, the form goes, and
    the page says to text the service from that phone."""
    live_server = texting_server
    context = browsers.launch(**PHONE)
    page = context.pages[0]
    chat = ask_to_be_texted(page, live_server, "en")
    expect(page.locator("#number-form")).to_be_visible()

    replies = chat.send(f"my number is {TYPED}")

    expect(page.locator("#number-form")).to_have_count(0)
    expect(page.locator("li.message.notice").last).to_contain_text(SERVICE_NUMBER)
    assert links(live_server) == ["waiting"]
    assert not any(form in reply for reply in replies for form in FORMS), replies
    screenshot(page, "safe-number-typed-in-chat-en")
