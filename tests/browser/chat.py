"""Driving and watching the chat in Chromium: the page, the exit site, what the page did.

The contract these tests hold the web chat to is issue 12's (see the module docstrings of the
test_webchat_*.py files); the element ids and endpoints are named here once.
"""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, Request, Route, expect

from tests.browser.harness import DEFAULT_TIMEOUT_S, Browsers, LiveServer, header_values

# The demo deployment's `[webchat] exit_url` (config/demo.toml). There is no internet here, so
# tests intercept it (and a neutral start page on the same host) with a small page of their own.
EXIT_URL = "https://www.bbc.co.uk/weather"
START_URL = "https://www.bbc.co.uk/news"
EXIT_SITE_PATTERN = "https://www.bbc.co.uk/**"
NEUTRAL_PAGES = {
    EXIT_URL: "<!doctype html><html lang='en'><title>Weather</title><h1>Weather</h1>"
              "<p>Sunny intervals, light winds.</p></html>",
    START_URL: "<!doctype html><html lang='en'><title>News</title><h1>News</h1>"
               "<p>Today's headlines.</p></html>",
}

# What the tab title and icon must never say (docs/threat-model.md, A1; issue 12).
FORBIDDEN_WORDS = ("quietline", "abuse", "domestic", "refuge", "helpline", "police", "chat")
# The emergency options, exactly (docs/threat-model.md, "The emergency options").
EMERGENCY_NUMBERS = ("999", "55", "0808 2000 247")
# Every route of the chat; each must send the no-trace headers.
CHAT_ROUTES = ("/", "/chat/start", "/chat/send", "/chat/poll", "/chat/erase", "/chat/exit",
               "/chat/resume", "/notes")

WELCOME_MARK = "Reply with a number"
PERSON_MARK = "Someone from our team"

INSTRUMENT_SCRIPT = Path(__file__).with_name("instrument.js")


def normalise(text: str) -> str:
    """Collapse any run of whitespace (including no-break and thin spaces) to one space."""
    return re.sub(r"[\s\u00a0\u2009\u202f]+", " ", text).strip()


def names_the_service(text: str) -> list[str]:
    folded = text.casefold()
    return [word for word in FORBIDDEN_WORDS if word in folded]


def wait_until(page: Page, condition: Callable[[], bool], what: str,
               timeout: float = DEFAULT_TIMEOUT_S) -> None:
    """Poll `condition` while letting Playwright deliver events (route handlers, bindings)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        page.wait_for_timeout(10)


# -- What the page did, reported by instrument.js and Playwright's events ----------------------

@dataclass
class Observed:
    """Everything a context's pages reported, in order, each with the page URL it came from."""

    titles: list[tuple[str, str]] = field(default_factory=list)
    icons: list[tuple[str, str]] = field(default_factory=list)
    storage: list[tuple[str, str]] = field(default_factory=list)
    csp: list[tuple[str, str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blank: list[dict[str, Any]] = field(default_factory=list)

    def _record(self, source: dict[str, Any], kind: str, detail: str) -> None:
        frame = source.get("frame")
        url = frame.url if frame is not None else ""
        bucket = {"title": self.titles, "icon": self.icons, "storage": self.storage,
                  "csp": self.csp}.get(kind)
        if bucket is not None:
            bucket.append((url, detail))
        elif kind in ("blank", "blank-frame"):
            self.blank.append({"kind": kind, **json.loads(detail)})

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)


def observe(context: BrowserContext) -> Observed:
    """Instrument every page of `context` from its first script on."""
    observed = Observed()
    context.expose_binding("__qlRecord", observed._record)  # noqa: SLF001 -- our own callback
    context.add_init_script(path=INSTRUMENT_SCRIPT)
    context.on("request", observed._request)  # noqa: SLF001 -- our own callback
    return observed


def icon_bytes(href: str, server: LiveServer) -> bytes:
    """The bytes of a tab icon: a data: URL decoded, or fetched from the chat's own origin."""
    if href.startswith("data:"):
        header, _, payload = href[5:].partition(",")
        if header.endswith(";base64"):
            return base64.b64decode(payload)
        return urllib.parse.unquote_to_bytes(payload)
    if not href.startswith(server.origin + "/"):
        raise AssertionError(f"the tab icon {href!r} is not on the chat's own origin")
    with urllib.request.urlopen(href, timeout=5) as response:  # noqa: S310 -- loopback
        body: bytes = response.read()
        return body


# -- The exit site ----------------------------------------------------------------------------

class ExitSite:
    """Intercepts the exit URL (and the neutral start page) with small pages of our own.

    With `hold = True` the exit navigation is kept waiting until `release()`, so the test can
    look at the chat page in the state quick exit left it in (blank) before it is replaced.
    Note that Playwright turns the browser's HTTP cache off while any route is installed: the
    trace test installs this only after the chat, just before leaving.
    """

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.hold = False
        self.held: list[Route] = []
        self.requested: list[str] = []

    def install(self) -> ExitSite:
        self.context.route(EXIT_SITE_PATTERN, self._handle)
        return self

    def _handle(self, route: Route) -> None:
        self.requested.append(route.request.url)
        if self.hold and route.request.is_navigation_request():
            self.held.append(route)
        else:
            self._fulfil(route)

    @staticmethod
    def _fulfil(route: Route) -> None:
        url = route.request.url.split("?")[0].split("#")[0]
        page = NEUTRAL_PAGES.get(url, "<!doctype html><title>Page</title><p>Page</p>")
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=page)

    def release(self) -> None:
        held, self.held = self.held, []
        self.hold = False
        for route in held:
            self._fulfil(route)


# -- The chat page ------------------------------------------------------------------------------

class ChatPage:
    """The cover page and the chat over it, driven the way a person would."""

    def __init__(self, page: Page, server: LiveServer) -> None:
        self.page = page
        self.server = server
        self.sent_bodies: list[dict[str, Any]] = []
        page.on("request", self._on_request)

    def _on_request(self, request: Request) -> None:
        if request.method == "POST" and request.url == self.server.url("/chat/send"):
            try:
                body = json.loads(request.post_data or "")
            except ValueError:
                return
            if isinstance(body, dict):
                self.sent_bodies.append(body)

    @property
    def tokens(self) -> list[str]:
        """The distinct tokens this page sent, in order (read off its requests)."""
        seen: list[str] = []
        for body in self.sent_bodies:
            token = body.get("token")
            if isinstance(token, str) and token not in seen:
                seen.append(token)
        return seen

    def open_cover(self, query: str = "") -> None:
        self.page.goto(self.server.url("/" + query))

    def open_chat(self) -> None:
        self.page.click("#open-chat")
        expect(self.page.locator("#chat")).to_be_visible()

    def service_messages(self) -> list[str]:
        return self.page.locator("li.message.from-service").all_inner_texts()

    def own_messages(self) -> list[str]:
        return self.page.locator("li.message.from-you").all_inner_texts()

    def send(self, text: str, how: str = "enter") -> list[str]:
        """Type `text`, send it (Enter or the Send button) and return the new service messages."""
        self.page.bring_to_front()  # a person types in the tab they are looking at
        before = len(self.service_messages())
        box = self.page.locator("#message-input")
        box.click()
        box.fill(text)
        with self.page.expect_response(self.server.url("/chat/send")) as response_info:
            if how == "enter":
                box.press("Enter")
            else:
                self.page.click("#send")
        status = response_info.value.status
        assert status == 200, f"/chat/send answered {status}"
        self.page.wait_for_function(
            "n => document.querySelectorAll('li.message.from-service').length > n", arg=before)
        return self.service_messages()[before:]

    def click_without_waiting(self, selector: str) -> None:
        """A real mouse click that does not wait for the navigation it starts (the exit site
        may be holding it)."""
        box = self.page.locator(selector).bounding_box()
        assert box is not None, f"{selector} is not on screen"
        self.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    def history_length(self) -> int:
        length: int = self.page.evaluate("history.length")
        return length


# -- Headers ------------------------------------------------------------------------------------

def _csp_directives(policy: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    return directives


def header_problems(headers: Iterable[tuple[str, str]]) -> list[str]:
    """What is wrong with a chat response's headers (issue 12; empty when all is well)."""
    headers = list(headers)
    problems = []
    cache_control = header_values(headers, "Cache-Control")
    if not any("no-store" in value.lower() for value in cache_control):
        problems.append(f"Cache-Control {cache_control} has no no-store")
    for name in ("ETag", "Last-Modified", "Set-Cookie"):
        if header_values(headers, name):
            problems.append(f"{name} is present")
    referrer = [v.strip().lower() for v in header_values(headers, "Referrer-Policy")]
    if not referrer or any(v != "no-referrer" for v in referrer):
        problems.append(f"Referrer-Policy is {referrer}, not no-referrer")
    sniff = [v.strip().lower() for v in header_values(headers, "X-Content-Type-Options")]
    if sniff != ["nosniff"]:
        problems.append(f"X-Content-Type-Options is {sniff}, not nosniff")
    problems.extend(_csp_problems(header_values(headers, "Content-Security-Policy")))
    return problems


def _csp_problems(values: list[str]) -> list[str]:
    problems = []
    policies = [_csp_directives(value) for value in values]
    if not policies:
        problems.append("no Content-Security-Policy")
    if policies and not any(p.get("default-src") == ["'none'"] for p in policies):
        problems.append("Content-Security-Policy lacks default-src 'none'")
    if policies and not any(p.get("frame-ancestors") == ["'none'"] for p in policies):
        problems.append("Content-Security-Policy lacks frame-ancestors 'none'")
    for policy in policies:
        for directive, sources in policy.items():
            for source in sources:
                if source == "'unsafe-inline'":
                    problems.append(f"Content-Security-Policy {directive} allows 'unsafe-inline'")
                # The chat loads nothing from anywhere else: no host or wildcard sources.
                if "*" in source or "://" in source or source in ("http:", "https:"):
                    problems.append(f"Content-Security-Policy {directive} allows {source}")
    return problems


def open_chat(live_server: LiveServer, browsers: Browsers, language: str,
              width: int) -> ChatPage:
    """The chat opened from the cover in `language` at `width` (a phone below 600 px: touch
    and mobile viewport, as a survivor's phone)."""
    phone = width < 600
    context = browsers.launch(viewport={"width": width, "height": 844 if phone else 900},
                              has_touch=phone, is_mobile=phone)
    chat = ChatPage(context.pages[0], live_server)
    chat.open_cover(f"?lang={language}")
    chat.open_chat()
    return chat
