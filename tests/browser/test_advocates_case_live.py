"""The live case desk in Chromium (issue 20, item 1): a survivor's SMS, sent through the signed
webhook, appears on the open case page within 2 s with no reload; two cases open in two tabs
stay apart; automated messages open by keyboard; the reply box is in view without scrolling,
at desktop width and on a 390-pixel-wide phone.

Screenshots of the desk go to $QUIETLINE_SCREENSHOTS when it is set (for a person to look at).
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.services import services
from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_advocates_queue import claim, sign_in
from tests.support import staff  # not `TestAdvocate` itself: pytest would try to collect it
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.browser

FIRST = "+447700900301"
SECOND = "+447700900302"
NEW_MESSAGE_WITHIN_MS = 2_000
CANARY = "canary-live he is back early, text me later"


@pytest.fixture
def sms(live_server: LiveServer, environ: dict[str, str]) -> TwilioSigner:
    """Signs inbound SMS with the live app's Twilio token and posts them to that same app."""
    return TwilioSigner(live_server.app.test_client(), environ["TWILIO_AUTH_TOKEN"])


def raise_case_from(sms: TwilioSigner, live_server: LiveServer, sender: str) -> tuple[int, str]:
    """`sender` asks for a person; the case's id and reference."""
    assert sms.sms("person", sender=sender).status_code == 200
    with closing(sqlite3.connect(live_server.database_path)) as connection:
        row = connection.execute(
            "SELECT escalations.id, conversations.reference FROM escalations"
            " JOIN conversations ON conversations.id = escalations.conversation_id"
            " ORDER BY escalations.id DESC LIMIT 1").fetchone()
    return int(row[0]), str(row[1])


def viewed_rows(live_server: LiveServer, case_id: int) -> int:
    with closing(sqlite3.connect(live_server.database_path)) as connection:
        return int(connection.execute(
            "SELECT count(*) FROM audit_events WHERE action = 'transcript.viewed'"
            " AND escalation_id = ?", (case_id,)).fetchone()[0])


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("QUIETLINE_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def in_view(page: Page, selector: str) -> bool:
    return bool(page.evaluate("""(s) => {
        const r = document.querySelector(s).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; }""", selector))


def test_a_survivors_sms_appears_on_the_open_case_page_within_2_s_without_a_reload(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    case_id, reference = raise_case_from(sms, live_server, FIRST)
    page = browsers.launch(viewport={"width": 1280, "height": 800}).pages[0]
    sign_in(page, live_server, advocate)
    claim(page, live_server, case_id)
    expect(page).to_have_title(f"Case {reference} - Quietline advocates")
    page.evaluate("window.__sameDocument = 'before the message'")
    # Let a few polls pass: they must add no audit row.
    page.wait_for_function("() => performance.getEntriesByType('resource')"
                           ".filter(e => e.name.includes('/live.json')).length >= 2")

    sent = time.monotonic()
    assert sms.sms(CANARY, sender=FIRST).status_code == 200
    survivor = page.locator("#transcript li.message.survivor", has_text=CANARY)
    expect(survivor).to_be_visible(timeout=NEW_MESSAGE_WITHIN_MS)
    assert time.monotonic() - sent < NEW_MESSAGE_WITHIN_MS / 1000 + 0.5
    expect(survivor.locator(".who")).to_have_text("Survivor")

    assert page.evaluate("window.__sameDocument") == "before the message", "the page reloaded"
    loads = [s for s in live_server.served
             if s.method == "GET" and s.path == f"/advocates/cases/{case_id}"]
    assert len(loads) == 1
    assert viewed_rows(live_server, case_id) == 1
    assert FIRST not in page.content()
    screenshot(page, "case-desktop")


def test_automated_messages_are_one_line_and_open_by_keyboard(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    case_id, _reference = raise_case_from(sms, live_server, FIRST)
    page = browsers.launch(viewport={"width": 1280, "height": 800}).pages[0]
    sign_in(page, live_server, advocate)
    claim(page, live_server, case_id)
    automated = page.locator("#transcript li.message.automated").first
    summary = automated.locator("summary")
    expect(summary).to_contain_text("Automated:")
    expect(automated.locator(".body")).to_be_hidden()
    summary.focus()
    page.keyboard.press("Enter")
    expect(automated.locator(".body")).to_be_visible()
    assert in_view(page, "#text"), "the reply box is not in view"
    page.keyboard.press("Enter")
    expect(automated.locator(".body")).to_be_hidden()


def test_the_reply_box_is_in_view_on_a_phone(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    case_id, _reference = raise_case_from(sms, live_server, FIRST)
    for body in ("hello", "I need help", "can someone call me", "after 6 is best"):
        sms.sms(body, sender=FIRST)
    page = browsers.launch(viewport={"width": 390, "height": 844}).pages[0]
    sign_in(page, live_server, advocate)
    claim(page, live_server, case_id)
    expect(page.locator("#text")).to_be_visible()
    assert in_view(page, "#text"), "the reply box is not in view on a phone"
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"the page is {scroll_width} px wide on a 390 px phone"
    screenshot(page, "case-390")


def test_two_cases_in_two_tabs_stay_apart(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    first_id, first_reference = raise_case_from(sms, live_server, FIRST)
    second_id, second_reference = raise_case_from(sms, live_server, SECOND)
    context = browsers.launch(viewport={"width": 1280, "height": 800})
    first = context.pages[0]
    sign_in(first, live_server, advocate)
    claim(first, live_server, first_id)
    second = context.new_page()
    second.goto(live_server.url("/advocates/queue"))
    claim(second, live_server, second_id)
    expect(first).to_have_title(f"Case {first_reference} - Quietline advocates")
    expect(second).to_have_title(f"Case {second_reference} - Quietline advocates")

    sms.sms(CANARY, sender=SECOND)
    expect(second.locator("#transcript li.survivor", has_text=CANARY)).to_be_visible(
        timeout=NEW_MESSAGE_WITHIN_MS)
    sms.sms("a message for the first case", sender=FIRST)
    expect(first.locator("#transcript li.survivor",
                         has_text="a message for the first case")).to_be_visible(
        timeout=NEW_MESSAGE_WITHIN_MS)
    expect(first.locator("#transcript")).not_to_contain_text(CANARY)
    expect(second.locator("#transcript")).not_to_contain_text("a message for the first case")

    # The same session's CSRF token works from either tab: send a reply from the first.
    first.fill("#text", "Hello, is now a good time to talk?")
    first.get_by_role("button", name="Check before sending").click()
    first.get_by_role("button", name="Send").click()
    first.wait_for_url(live_server.url(f"/advocates/cases/{first_id}"))
    expect(first.locator("#transcript li.advocate")).to_contain_text("Reply")
    expect(second.locator("#transcript li.advocate")).to_have_count(0)


def test_finding_a_case_and_the_repeat_contact_pages_are_accessible_and_work_by_keyboard(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    """Queue -> find by reference -> open, by keyboard only; axe on the queue, the search
    results, a case with an earlier case from the same number, and the report."""
    found: dict[str, list[str]] = {}
    for width, label, number in ((1280, "desktop", FIRST), (390, "390", SECOND)):
        # Accounts of their own for each width: a TOTP code signs in only once.
        advocate = staff.make_advocate(live_server.app, f"ana-{label}@example.org")
        supervisor = staff.make_advocate(live_server.app, f"sue-{label}@example.org",
                                         role="supervisor")
        found.update(_desk_pages(live_server, browsers, sms, advocate, supervisor,
                                 width, label, number))
    assert all(issues == [] for issues in found.values()), found


def _desk_pages(live_server: LiveServer, browsers: Browsers, sms: TwilioSigner,
                advocate: staff.TestAdvocate, supervisor: staff.TestAdvocate, width: int,
                label: str, number: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    case_id, reference = raise_case_from(sms, live_server, number)
    context = browsers.launch(f"desk-{label}", viewport={"width": width, "height": 844})
    page = context.pages[0]
    sign_in(page, live_server, advocate)
    claim(page, live_server, case_id)
    # Closed, then the same number asks again: the new case shows the first as earlier contact.
    page.select_option("#reason", "referred")
    page.get_by_role("button", name="Close the case").click()
    page.wait_for_url(live_server.url("/advocates/queue"))
    again, _again_reference = raise_case_from(sms, live_server, number)

    page.locator("#find-reference").focus()
    page.keyboard.type(reference.lower())
    page.keyboard.press("Enter")
    page.wait_for_url("**/advocates/search?reference=*")
    # The same number texting again continues its conversation: a second case, same reference.
    expect(page.locator("#results tbody tr")).to_have_count(2)
    expect(page.locator("#results")).to_contain_text("Referred to another service")
    found[f"search results {label}"] = check_page(page)
    screenshot(page, f"search-{label}")

    page.goto(live_server.url("/advocates/queue"))
    row = page.locator(f'#queue tbody tr[data-case="{again}"]')
    row.get_by_role("button", name="Claim").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url(f"/advocates/cases/{again}"))
    expect(page.locator("#earlier")).to_contain_text(reference)
    expect(page.locator("#earlier")).to_contain_text("Referred to another service")
    found[f"case {label}"] = check_page(page)
    screenshot(page, f"case-earlier-{label}")
    page.locator("#earlier").scroll_into_view_if_needed()
    screenshot(page, f"case-earlier-panel-{label}")

    page.goto(live_server.url("/advocates/queue"))
    flag = page.locator(f'#queue tbody tr[data-case="{again}"] .unread')
    expect(flag).to_have_count(0)
    sms.sms("are you there", sender=number)
    expect(flag).to_have_text("new messages")
    found[f"queue {label}"] = check_page(page)
    screenshot(page, f"queue-{label}")

    boss = browsers.launch(f"boss-{label}", viewport={"width": width, "height": 844}).pages[0]
    sign_in(boss, live_server, supervisor)
    boss.goto(live_server.url("/advocates/report"))
    expect(boss.locator("#repeat-contact-definition")).to_contain_text("earlier case")
    found[f"report {label}"] = check_page(boss)
    screenshot(boss, f"report-{label}")
    return found


def check_page(page: Page) -> list[str]:
    from tests.browser.test_webchat_accessibility import _blocking_violations  # noqa: PLC0415
    return _blocking_violations(page)


def open_on_the_desk(live_server: LiveServer, browsers: Browsers, sms: TwilioSigner,
                     width: int, height: int) -> tuple[Page, int]:
    """Ana claims a case whose survivor sent CANARY and has its page open."""
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    sms.sms(CANARY, sender=FIRST)
    case_id, _reference = raise_case_from(sms, live_server, FIRST)
    page = browsers.launch(viewport={"width": width, "height": height}).pages[0]
    sign_in(page, live_server, advocate)
    claim(page, live_server, case_id)
    expect(page.locator("#transcript")).to_contain_text(CANARY)
    return page, case_id


def left_the_screen(page: Page, words: str) -> None:
    """The page said `words` and shows nothing of the case any more."""
    expect(page.locator("#live-status")).to_contain_text(words, timeout=NEW_MESSAGE_WITHIN_MS)
    expect(page.locator("#transcript li")).to_have_count(0)
    expect(page.locator("#text")).to_have_count(0)
    expect(page.locator(".case-side > *")).to_have_count(0)  # choices, notes, risk...
    assert CANARY not in page.content()


def test_an_erased_conversation_leaves_the_open_case_page_at_once(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    page, _case_id = open_on_the_desk(live_server, browsers, sms, 1280, 800)
    sms.sms("delete", sender=FIRST)
    sms.sms("1", sender=FIRST)
    left_the_screen(page, "deleted the conversation")


def test_a_case_taken_from_the_open_page_says_so_and_leaves_the_screen(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    """A supervisor gives the case to a colleague while its holder has it open: the page says
    the case is no longer theirs, plainly (not as a quiet aside), and shows nothing of it."""
    colleague = staff.make_advocate(live_server.app, "bo@example.org")
    boss_account = staff.make_advocate(live_server.app, "sue@example.org", "supervisor")
    page, case_id = open_on_the_desk(live_server, browsers, sms, 1366, 768)
    with live_server.app.app_context():
        boss = services().accounts.find(boss_account.email)
        bo = services().accounts.find(colleague.email)
        assert boss is not None
        assert bo is not None
        services().casework.reassign(case_id, boss, bo)
    left_the_screen(page, "no longer yours")
    expect(page.locator("#live-status")).to_have_class("live-stopped")
    screenshot(page, "case-taken-1366")
