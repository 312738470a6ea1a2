"""The advocates' workspace in Chromium: sign in, the live queue, claiming, inert survivor text.

Every test signs in through the real login form (e-mail, password, TOTP code) against the live
server, and raises a case the way a survivor does: a correctly signed inbound SMS asking for a
person, sent to the same app. docs/threat-model.md, A3: survivor text is escaped, staff pages carry
a CSP with no inline script and are never cached, and the staff cookie stays under /advocates,
so the survivor-facing pages never see it.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing

import pytest
from playwright.sync_api import APIRequestContext, Locator, Page, Request, expect

from tests.browser.harness import Browsers, LiveServer, header_values
from tests.support import staff  # not `TestAdvocate` itself: pytest would try to collect it
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.browser

STAFF_COOKIE = "quietline_staff"
# The queue polls every second; a new case must show well within this.
NEW_CASE_WITHIN_MS = 5_000
HOSTILE_SCRIPT = "<script>window.__pwned=1</script>"
HOSTILE_LINK = '<a href="javascript:alert(1)">javascript:alert(1)</a>'
# Runs before any page script in every document; Playwright injects it outside the page's CSP.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (event) => window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI));
"""


@pytest.fixture
def sms(live_server: LiveServer, environ: dict[str, str]) -> TwilioSigner:
    """Signs inbound SMS with the live app's Twilio token and posts them to that same app."""
    return TwilioSigner(live_server.app.test_client(), environ["TWILIO_AUTH_TOKEN"])


def raise_case(sms: TwilioSigner, live_server: LiveServer, *bodies: str) -> tuple[int, str]:
    """A survivor texts `bodies`, then asks for a person; returns the case's id and reference."""
    for body in (*bodies, "person"):
        assert sms.sms(body).status_code == 200
    with closing(sqlite3.connect(live_server.database_path)) as connection:
        rows = connection.execute(
            "SELECT escalations.id, conversations.reference FROM escalations"
            " JOIN conversations ON conversations.id = escalations.conversation_id").fetchall()
    assert len(rows) == 1, rows
    return int(rows[0][0]), str(rows[0][1])


def sign_in(page: Page, live_server: LiveServer, advocate: staff.TestAdvocate,
            at: float | None = None) -> None:
    """Through the form, as a person would; lands on the queue. `at`: the moment whose code
    is typed (the app's clock's, when a test has set it), else now."""
    page.goto(live_server.url("/advocates/login"))
    page.fill("#email", advocate.email)
    page.fill("#password", staff.PASSWORD)
    page.fill("#code", advocate.code(at))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url("/advocates/queue"))


def queue_row(page: Page, case_id: int) -> Locator:
    return page.locator(f'#queue tbody tr[data-case="{case_id}"]')


def claim(page: Page, live_server: LiveServer, case_id: int) -> None:
    queue_row(page, case_id).get_by_role("button", name="Claim").click()
    page.wait_for_url(live_server.url(f"/advocates/cases/{case_id}"))


def test_a_new_case_appears_in_the_queue_without_a_reload(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    page = browsers.launch().pages[0]
    sign_in(page, live_server, advocate)
    expect(page.locator("#status")).to_have_text("0 cases waiting or in progress.")
    page.evaluate("window.__sameDocument = 'before the case'")

    case_id, reference = raise_case(sms, live_server)

    row = queue_row(page, case_id)
    expect(row).to_contain_text(reference, timeout=NEW_CASE_WITHIN_MS)
    expect(row.get_by_role("button", name="Claim")).to_be_visible()
    assert page.evaluate("window.__sameDocument") == "before the case", "the page reloaded"
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert page.url == live_server.url("/advocates/queue")
    loads = [s for s in live_server.served if s.method == "GET" and s.path == "/advocates/queue"]
    assert len(loads) == 1, f"the queue page was loaded {len(loads)} times"


def test_an_unchanged_queue_keeps_its_rows_and_their_waiting_times_move_on(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    """While nothing changes the server answers 304 with no body (queue_views.py); the page
    keeps its rows and moves their waiting times on by itself."""
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    case_id, reference = raise_case(sms, live_server)
    page = browsers.launch().pages[0]
    sign_in(page, live_server, advocate)
    row = queue_row(page, case_id)
    expect(row).to_contain_text(reference)
    waited = row.locator("td").nth(2)
    first = waited.inner_text()

    live_server.wait_served("GET", "/advocates/queue.json", 10, status=304, count=3)
    expect(waited).not_to_have_text(first, timeout=10_000)
    expect(row).to_contain_text(reference)
    expect(row.get_by_role("button", name="Claim")).to_be_visible()
    expect(page.locator("#status")).to_have_text("1 case waiting or in progress.")


def test_claiming_opens_the_transcript_and_a_colleague_sees_the_case_held(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    first = staff.make_advocate(live_server.app, "ana@example.org")
    second = staff.make_advocate(live_server.app, "bo@example.org")
    case_id, reference = raise_case(sms, live_server, "I need some help please")
    page = browsers.launch("first").pages[0]
    sign_in(page, live_server, first)

    claim(page, live_server, case_id)

    expect(page.locator("h1")).to_have_text(f"Case {reference}")
    expect(page.locator("#case-status")).to_have_text("claimed")
    expect(page.locator("#transcript")).to_contain_text("I need some help please")
    colleague = browsers.launch("second").pages[0]
    sign_in(colleague, live_server, second)
    row = queue_row(colleague, case_id)
    expect(row).to_contain_text(reference)
    expect(row).to_contain_text(first.email)
    expect(row.get_by_role("button")).to_have_count(0)
    expect(row.get_by_role("link", name="Open")).to_have_count(0)


def test_survivor_markup_is_shown_as_text_and_never_runs(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    case_id, _ = raise_case(sms, live_server, f"{HOSTILE_SCRIPT} {HOSTILE_LINK}")
    context = browsers.launch()
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    page = context.pages[0]
    # Every console error counts, a 404 for an icon too (staff pages name their own icon, so
    # Chromium has no /favicon.ico to ask for).
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text)
            if message.type == "error" else None)
    refused: list[str] = []
    page.on("response", lambda answer: refused.append(answer.url) if answer.status >= 400
            else None)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    sign_in(page, live_server, advocate)

    claim(page, live_server, case_id)

    transcript = page.locator("#transcript")
    expect(transcript).to_contain_text(HOSTILE_SCRIPT)
    expect(transcript).to_contain_text(HOSTILE_LINK)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("script:not([src])").count() == 0, "an inline script on the case page"
    assert page.locator('a[href^="javascript:" i]').count() == 0
    assert transcript.locator("a, script").count() == 0
    assert page.evaluate("window.__cspViolations") == []
    assert console_errors == []
    assert refused == []
    # Positive control: the recorder does see what the CSP blocks, so [] above means something.
    page.evaluate("""() => { const s = document.createElement("script");
        s.textContent = "window.__pwned = 1"; document.body.append(s); }""")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_staff_pages_load_only_from_our_origin_with_strict_csp_and_no_store(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    case_id, _ = raise_case(sms, live_server)
    page = browsers.launch().pages[0]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_server, advocate)
    expect(queue_row(page, case_id)).to_be_visible()

    claim(page, live_server, case_id)

    foreign = [url for url in requested if not url.startswith(live_server.base_url)]
    assert foreign == []
    assert live_server.url("/advocates/static/queue.js") in requested  # the recorder works
    staff_responses = [s for s in live_server.served if s.path.startswith("/advocates")]
    paths = {s.path for s in staff_responses}
    assert {"/advocates/login", "/advocates/queue", "/advocates/queue.json",
            f"/advocates/cases/{case_id}/claim", f"/advocates/cases/{case_id}"} <= paths
    for served in staff_responses:
        where = f"{served.method} {served.path} ({served.status})"
        policies = header_values(served.headers, "Content-Security-Policy")
        assert len(policies) == 1, f"{where}: {policies}"
        directives = [d.strip() for d in policies[0].split(";")]
        assert "script-src 'self'" in directives, f"{where}: {policies[0]}"
        assert "unsafe-inline" not in policies[0], f"{where}: {policies[0]}"
        assert header_values(served.headers, "Cache-Control") == ["no-store"], where


@pytest.mark.parametrize("path", ["/advocates/no-such-page", "/advocates/logout"])
def test_error_answers_under_advocates_carry_the_staff_headers(
        api: APIRequestContext, path: str) -> None:
    response = api.get(path, max_redirects=0)  # logout is POST only: a GET gets 405
    assert response.status in (404, 405), response.status
    assert "script-src 'self'" in response.headers.get("content-security-policy", "")
    assert response.headers.get("cache-control") == "no-store"


def test_staff_cookie_is_strict_and_scoped_so_the_cover_page_neither_sees_nor_sets_one(
        live_server: LiveServer, browsers: Browsers) -> None:
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    context = browsers.launch()
    queue = context.pages[0]
    sign_in(queue, live_server, advocate)
    cookies = context.cookies()
    assert [c["name"] for c in cookies] == [STAFF_COOKIE], cookies
    assert cookies[0]["httpOnly"] is True
    assert cookies[0]["sameSite"] == "Strict"
    assert cookies[0]["path"] == "/advocates"
    # A second tab in the same browser; the queue tab is closed so its polling stops.
    cover = context.new_page()
    queue.close()
    cover_requests: list[Request] = []
    # A lambda, not `cover_requests.append`: Playwright cannot wrap a builtin bound method.
    cover.on("request", lambda request: cover_requests.append(request))  # noqa: PLW0108
    seen_before = len(live_server.served)

    cover.goto(live_server.base_url)
    cover.wait_for_load_state("load")

    # A poll still in flight from the closed queue tab may land here; it is not the cover's.
    survivor_facing = [s for s in live_server.served[seen_before:]
                       if not s.path.startswith("/advocates")]
    assert "/" in {s.path for s in survivor_facing}, "the cover page was not served"
    for served in survivor_facing:
        assert header_values(served.headers, "Set-Cookie") == [], served.path
    assert cover_requests, "no requests were recorded"
    for request in cover_requests:
        assert "cookie" not in request.all_headers(), f"{request.url} carried a cookie"
    # Values change as the session's last-seen time is refreshed; names and scope must not.
    assert [(c["name"], c["path"]) for c in context.cookies()] == [(STAFF_COOKIE, "/advocates")]


def test_signing_out_then_opening_the_queue_goes_to_the_login_page(
        live_server: LiveServer, browsers: Browsers) -> None:
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    page = browsers.launch().pages[0]
    sign_in(page, live_server, advocate)
    # Click just after a poll is answered (the next starts a second later): a poll answered
    # after sign-out would otherwise race it (see the test below).
    page.wait_for_event("response", lambda response: response.url.endswith("/queue.json"))

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_server.url("/advocates/login"))
    page.goto(live_server.url("/advocates/queue"))

    assert page.url == live_server.url("/advocates/login")
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    queue_loads = [s.status for s in live_server.served
                   if s.method == "GET" and s.path == "/advocates/queue"]
    assert queue_loads == [200, 302], queue_loads


def test_the_session_from_before_sign_out_is_refused_after_it(
        live_server: LiveServer, browsers: Browsers) -> None:
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    context = browsers.launch()
    page = context.pages[0]
    sign_in(page, live_server, advocate)
    before = [c["value"] for c in context.cookies() if c["name"] == STAFF_COOKIE]
    assert len(before) == 1, before
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_server.url("/advocates/login"))

    # Exactly what a late poll response's Set-Cookie does to the browser.
    context.add_cookies([{"name": STAFF_COOKIE, "value": before[0], "domain": "127.0.0.1",
                          "path": "/advocates", "httpOnly": True, "sameSite": "Strict"}])
    page.goto(live_server.url("/advocates/queue"))

    assert page.url == live_server.url("/advocates/login")


def test_the_queue_headers_stay_on_one_line_at_the_desk_width(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    """With long reasons, a held case and Claim buttons, "Safe time" and "Held by" wrapped at
    1366 px while the page left a sixth of the screen empty."""
    holder = staff.make_advocate(live_server.app, "ana.longsurname@example.org")
    reader = staff.make_advocate(live_server.app, "bo@example.org")
    sms.sms("hes outside now and he has a knife", sender="+447700900201")
    sms.sms("he hit me and the kids are scared i want to kill myself", sender="+447700900202")
    sms.sms("person", sender="+447700900202")
    sms.sms("person", sender="+447700900203")
    with closing(sqlite3.connect(live_server.database_path)) as connection:
        ids = [int(r[0]) for r in connection.execute("SELECT id FROM escalations ORDER BY id")]
    page = browsers.launch("holder").pages[0]
    sign_in(page, live_server, holder)
    claim(page, live_server, ids[0])
    desk = browsers.launch("reader").pages[0]
    desk.set_viewport_size({"width": 1366, "height": 768})
    sign_in(desk, live_server, reader)
    expect(desk.locator("#queue tbody tr")).to_have_count(len(ids))
    expect(queue_row(desk, ids[0])).to_contain_text(holder.email)
    lines = desk.evaluate("""() => [...document.querySelectorAll("#queue thead th")]
        .filter(th => th.innerText.trim()).map(th => {
            const range = document.createRange(); range.selectNodeContents(th);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return [th.innerText.trim(), tops.size]; })""")
    assert lines == [[name, 1] for name, _ in lines]
    if shots := os.environ.get("QUIETLINE_SCREENSHOTS"):
        desk.screenshot(path=f"{shots}/queue-desktop.png")
        desk.set_viewport_size({"width": 390, "height": 844})
        desk.screenshot(path=f"{shots}/queue-phone.png", full_page=True)
