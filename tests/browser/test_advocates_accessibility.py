"""axe-core finds no serious or critical issue on the advocates' pages; the queue works by keyboard.

Pages: sign-in (blank, and with the error after a wrong password), the live queue with an urgent
and a routine case on it, a claimed case (transcript, choices, safe-time form, reply form, case
actions), the reply preview (a draft that passes and one the lock-screen rule refuses), and, for
a supervisor, the purpose page of a case someone else holds and that case's manage page; an
advocate's own sessions page (two sessions, one marked as this one), and the page after signing
in with a recovery code.

axe-core is the copy bundled in axe-playwright-python (see test_webchat_accessibility.py),
evaluated through DevTools, so the staff pages run under their real Content-Security-Policy.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_advocates_queue import queue_row, sign_in
from tests.browser.test_webchat_accessibility import _blocking_violations
from tests.support import staff  # not `TestAdvocate` itself: pytest would try to collect it
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.browser

URGENT_SENDER = "+447700900201"
ROUTINE_SENDER = "+447700900202"
# Through the "talk to a person" flow, so the case has dated choices and a suggested safe time.
ROUTINE_TEXTS = ("hello", "3", "1", "2", "Weekdays after 10, not weekends", "3")
SAFE_TIME_SAID = "Weekdays after 10, not weekends"
PASSING_REPLY = "Hi, it's Sam. Is now still a good time for a call?"
REFUSED_REPLY = "The refuge has a space for you tonight."  # "refuge" in the first 40 characters
# Each poll replaces the queue's rows; counting the replacements shows one happened.
COUNT_RENDERS = """() => { window.__renders = 0;
  new MutationObserver(() => { window.__renders += 1; })
    .observe(document.querySelector("#queue tbody"), { childList: true }); }"""
MAX_TABS = 30


@pytest.fixture
def sms(live_server: LiveServer, environ: dict[str, str]) -> TwilioSigner:
    return TwilioSigner(live_server.app.test_client(), environ["TWILIO_AUTH_TOKEN"])


def raise_cases(sms: TwilioSigner) -> None:
    """Two survivors: one in danger now (an urgent case), one asking for a call back."""
    assert sms.sms("hes outside now and he has a knife", sender=URGENT_SENDER).status_code == 200
    for body in ROUTINE_TEXTS:
        assert sms.sms(body, sender=ROUTINE_SENDER).status_code == 200


def check(page: Page, found: dict[str, list[str]], name: str) -> None:
    found[name] = _blocking_violations(page)


def tab_to(page: Page, selector: str) -> int:
    """Press Tab from the top of the page until `selector` has focus; returns how many."""
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached {selector}")


def test_the_sign_in_page_has_no_serious_accessibility_issues(
        live_server: LiveServer, browsers: Browsers) -> None:
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    page = browsers.launch().pages[0]
    found: dict[str, list[str]] = {}
    page.goto(live_server.url("/advocates/login"))
    check(page, found, "sign-in")

    page.fill("#email", advocate.email)
    page.fill("#password", "not the password")
    page.fill("#code", advocate.code())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("That e-mail, password or code is not right.")
    check(page, found, "sign-in with an error")

    assert found == {"sign-in": [], "sign-in with an error": []}


def test_the_casework_pages_have_no_serious_accessibility_issues_and_claiming_works_by_keyboard(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    supervisor = staff.make_advocate(live_server.app, "sue@example.org", role="supervisor")
    raise_cases(sms)
    page = browsers.launch("advocate").pages[0]
    found: dict[str, list[str]] = {}
    sign_in(page, live_server, advocate)
    rows = page.locator("#queue tbody tr[data-case]")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_class("urgent")
    expect(rows.nth(1)).to_have_class("routine")
    case_id = int(rows.nth(1).get_attribute("data-case") or 0)
    check(page, found, "queue")

    # Keyboard only: Tab to the routine case's Claim button, let a poll redraw the rows (focus
    # must survive it), then Enter claims the case and opens it.
    page.evaluate(COUNT_RENDERS)
    claim = f'#queue tbody tr[data-case="{case_id}"] button'
    tab_to(page, claim)
    expect(page.locator(claim)).to_have_text("Claim")
    # Its accessible name says which case: every row's button is otherwise just "Claim".
    reference = rows.nth(1).locator("td").nth(1).inner_text()
    expect(page.locator(claim)).to_have_accessible_name(f"Claim case {reference}")
    page.evaluate("window.__renders = 0")
    page.wait_for_function("() => window.__renders >= 1")
    assert page.evaluate("(s) => document.activeElement.matches(s)", claim), \
        "the queue's live refresh took the focus away from the Claim button"
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url(f"/advocates/cases/{case_id}"))

    expect(page.locator("#case-status")).to_have_text("claimed")
    expect(page.locator("#choices")).to_contain_text(SAFE_TIME_SAID)
    expect(page.locator("#transcript")).to_contain_text(SAFE_TIME_SAID)
    for control in ("#window", "#canned", "#text", "#preview", "#reason"):
        expect(page.locator(control)).to_be_visible()
    check(page, found, "case")

    page.fill("#text", PASSING_REPLY)
    page.get_by_role("button", name="Check before sending").click()
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    check(page, found, "preview, passing")
    page.go_back()
    page.fill("#text", REFUSED_REPLY)
    page.get_by_role("button", name="Check before sending").click()
    expect(page.get_by_role("alert")).to_contain_text("would show on a locked phone")
    expect(page.get_by_role("button", name="Send")).to_have_count(0)
    check(page, found, "preview, refused")

    other = browsers.launch("supervisor").pages[0]
    sign_in(other, live_server, supervisor)
    expect(queue_row(other, case_id)).to_contain_text(advocate.email)
    other.goto(live_server.url(f"/advocates/cases/{case_id}"))
    expect(other.get_by_label("Purpose")).to_be_visible()
    check(other, found, "purpose")
    other.goto(live_server.url(f"/advocates/cases/{case_id}/manage"))
    expect(other.locator("#holder")).to_have_text(advocate.email)
    check(other, found, "manage")

    assert found == {name: [] for name in (
        "queue", "case", "preview, passing", "preview, refused", "purpose", "manage")}


def test_the_sessions_and_recovery_code_pages_have_no_serious_accessibility_issues(
        live_server: LiveServer, browsers: Browsers) -> None:
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    found: dict[str, list[str]] = {}
    # Signed in with a recovery code (a lost phone): the page says how many are left.
    page = browsers.launch("recovery").pages[0]
    page.goto(live_server.url("/advocates/login"))
    page.fill("#email", advocate.email)
    page.fill("#password", staff.PASSWORD)
    page.fill("#code", advocate.recovery_codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#recovery-left")).to_contain_text("9 recovery codes left")
    check(page, found, "recovery code used")

    # A second session, on another "device", then the list with both and the actions.
    other = browsers.launch("desk").pages[0]
    sign_in(other, live_server, advocate)
    other.get_by_role("link", name="Your sessions").click()
    expect(other.locator("#sessions tbody tr")).to_have_count(2)
    expect(other.locator("#sessions tr.this-session")).to_contain_text("This session")
    check(other, found, "sessions")

    # Signing the first session out from the list ends it there.
    first = other.locator("#sessions tbody tr:not(.this-session) button")
    first.click()
    expect(other.locator("#sessions tbody tr")).to_have_count(1)
    page.goto(live_server.url("/advocates/queue"))
    expect(page).to_have_url(live_server.url("/advocates/login"))

    assert found == {"recovery code used": [], "sessions": []}
