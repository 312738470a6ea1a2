"""Each built-in cover site in Chromium, on a phone and a desktop, in English and Arabic.

Issue 19, item 3: a cover must pass a second look from someone who picks up the phone and
scrolls. For each cover (app/cover_sites.py) at 390x844 (touch) and 1280x800:

- the page is one request, under 50 KB, and loads nothing else (pictures are inline SVG);
- it has its navigation, dated posts, an about and a contact section and a footer, and its
  in-page navigation works without JavaScript;
- the cover keeps its own language and direction with `?lang=ar` (English, left to right),
  and the chat's panel takes the survivor's (Arabic, right to left);
- with the chat open, quick exit is wholly on screen and overlaps no control;
- axe-core finds no serious or critical issue, on the cover and with the chat open.

Set QUIETLINE_COVER_SCREENSHOTS to a folder to keep a full-page screenshot of each cover and
one of its open chat in each language there (`make screenshots`: bench/results/covers/).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.config import DEFAULT_CONFIG
from app.cover_sites import BUILT_IN
from tests.browser.chat import ChatPage, names_the_service
from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_webchat_accessibility import _blocking_violations
from tests.browser.test_webchat_phone_layout import SCREENS, exit_problems

pytestmark = pytest.mark.browser

MAX_PAGE_BYTES = 50_000
COVER_SCREENS = ("phone-390x844", "desktop-1280x800")


@pytest.fixture(params=sorted(BUILT_IN))
def site(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def environ(environ: dict[str, str], site: str, tmp_path: Path) -> dict[str, str]:
    """The demo deployment with `[cover] site` set to this test's cover."""
    demo = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert 'site = "kitchen"' in demo
    deployment = tmp_path / "deployment.toml"
    deployment.write_text(demo.replace('site = "kitchen"', f'site = "{site}"', 1),
                          encoding="utf-8")
    return {**environ, "QUIETLINE_CONFIG": str(deployment)}


def _screenshot(chat: ChatPage, name: str, *, full_page: bool) -> None:
    folder = os.environ.get("QUIETLINE_COVER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        chat.page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("screen_name", COVER_SCREENS)
def test_the_cover_is_a_small_believable_site_and_the_chat_over_it_is_the_survivors(
        live_server: LiveServer, browsers: Browsers, site: str, screen_name: str,
        language: str) -> None:
    cover = BUILT_IN[site]
    context = browsers.launch(**SCREENS[screen_name].options())
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    chat = ChatPage(context.pages[0], live_server)
    page = chat.page
    response = page.goto(live_server.url(f"/?lang={language}"))
    assert response is not None
    problems = []

    size = len(response.body())
    if size >= MAX_PAGE_BYTES:
        problems.append(f"the page is {size} bytes")
    others = [url for url in requested if url != live_server.url(f"/?lang={language}")]
    if others:
        problems.append(f"the page asked for more: {others}")
    title = page.title()
    if title != cover.title or names_the_service(title):
        problems.append(f"the tab title is {title!r}")
    html = page.locator("html")
    if (html.get_attribute("lang"), html.get_attribute("dir")) != ("en", "ltr"):
        problems.append("the cover does not keep its own language and direction: "
                        f"{html.get_attribute('lang')}, {html.get_attribute('dir')}")
    if page.locator("main").evaluate("e => getComputedStyle(e).direction") != "ltr":
        problems.append("the cover's text is laid out right to left")
    links = page.locator("nav a").all_inner_texts()
    expected = [s.heading for s in cover.sections] + [cover.about_heading,
                                                       cover.contact_heading]
    if links != expected:
        problems.append(f"the navigation says {links}, not {expected}")
    posts = sum(len(s.posts) for s in cover.sections)
    if page.locator("article.post time[datetime]").count() != posts:
        problems.append("a post has no date")
    if page.locator("svg.picture").count() < posts:
        problems.append("posts without pictures")
    expect(page.locator("footer")).to_contain_text(cover.footer)
    expect(page.locator("#open-chat")).to_be_in_viewport()
    problems.extend(f"axe, cover: {v}" for v in _blocking_violations(page))
    if language == "en":  # with ?lang=ar the cover is the same page, as checked above
        _screenshot(chat, f"{site}-{screen_name}", full_page=True)

    chat.open_chat()
    panel = page.locator("#chat")
    direction = "rtl" if language == "ar" else "ltr"
    if panel.evaluate("e => [e.lang, getComputedStyle(e).direction]") != [language, direction]:
        problems.append(f"the chat's panel is not in {language}, {direction}")
    found, _ = exit_problems(page, "chat open")
    problems.extend(found)
    problems.extend(f"axe, chat open: {v}" for v in _blocking_violations(page))
    _screenshot(chat, f"{site}-{screen_name}-{language}-chat", full_page=False)

    assert problems == [], "\n".join(problems)


def test_the_navigation_works_without_javascript(live_server: LiveServer,
                                                 browsers: Browsers, site: str) -> None:
    context = browsers.launch(java_script_enabled=False, **SCREENS["phone-390x844"].options())
    page = context.pages[0]
    page.goto(live_server.base_url)
    for link in page.locator("nav a").all():
        target = link.get_attribute("href")
        assert target is not None
        assert target.startswith("#")
        link.click()
        expect(page.locator(target)).to_be_in_viewport()
    page.click("footer a[href='#top']")
    expect(page.locator("h1")).to_be_in_viewport()
    page.click("#open-chat")
    expect(page.locator("#emergency")).to_be_visible()


def test_the_cover_never_makes_a_zoomed_phone_scroll_sideways(
        live_server: LiveServer, browsers: Browsers, site: str) -> None:
    # At 200 % a phone is 195 CSS pixels wide; one long word would widen the layout viewport,
    # the chat's panel with it, and push its controls under each other (issue 19, item 1).
    context = browsers.launch(**SCREENS["phone-390x844-zoom200"].options())
    page = context.pages[0]
    page.goto(live_server.base_url)
    width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width == [195, 195]
