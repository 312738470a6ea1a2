"""Handing a case over, the shift summary and cases that waited too long, in Chromium (issue 20,
item 6): by keyboard, with no serious axe issue, at desktop and phone widths.

Set QUIETLINE_SCREENSHOTS to a folder to keep a screenshot of each page at both widths.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from app.services import services
from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_advocates_queue import queue_row, sign_in
from tests.browser.test_webchat_accessibility import _blocking_violations
from tests.support import staff  # not `TestAdvocate` itself: pytest would try to collect it
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.browser

NOTE = "She prefers texts after 6pm. Ask how the appointment went."
URGENT = "hes outside now and he has a knife"
WIDTHS: dict[str, ViewportSize] = {"desktop": {"width": 1366, "height": 768},
                                   "phone": {"width": 390, "height": 844}}


@pytest.fixture
def sms(live_server: LiveServer, environ: dict[str, str]) -> TwilioSigner:
    return TwilioSigner(live_server.app.test_client(), environ["TWILIO_AUTH_TOKEN"])


def newest_case(live_server: LiveServer) -> tuple[int, str]:
    with closing(sqlite3.connect(live_server.database_path)) as connection:
        row = connection.execute(
            "SELECT escalations.id, conversations.reference FROM escalations JOIN conversations"
            " ON conversations.id = escalations.conversation_id ORDER BY escalations.id DESC"
        ).fetchone()
    return int(row[0]), str(row[1])


def shoot(page: Page, name: str) -> dict[str, list[str]]:
    """axe at both widths (and a screenshot of each when asked for); the page's violations."""
    shots = os.environ.get("QUIETLINE_SCREENSHOTS")
    found = {}
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        found[f"{name} ({width})"] = _blocking_violations(page)
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(shots) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(WIDTHS["desktop"])
    return found


def test_a_case_is_handed_over_by_keyboard_and_the_colleague_reads_the_note(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    ana = staff.make_advocate(live_server.app, "ana@example.org")
    bea = staff.make_advocate(live_server.app, "bea@example.org")
    assert sms.sms("person").status_code == 200
    case_id, reference = newest_case(live_server)
    colleague = browsers.launch("bea").pages[0]
    sign_in(colleague, live_server, bea)  # on shift: signed in now
    page = browsers.launch("ana").pages[0]
    sign_in(page, live_server, ana)
    queue_row(page, case_id).get_by_role("button", name=f"Claim case {reference}").click()
    page.wait_for_url(live_server.url(f"/advocates/cases/{case_id}"))
    found = shoot(page, "case-before-handover")

    # Keyboard only: choose the colleague, write the note, send with Enter on the button.
    page.focus("#transfer-to")
    expect(page.locator("#transfer-to")).to_have_value(bea.email)
    page.keyboard.press("Tab")
    expect(page.locator("#transfer-note")).to_be_focused()
    page.keyboard.type(NOTE)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Hand over the case")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url(f"/advocates/shift?handed={case_id}"))
    expect(page.locator("#shift-none")).to_have_text("You hold no cases now.")
    expect(page.get_by_role("status")).to_contain_text(
        f"You handed case {reference} to bea@example.org")
    expect(page.get_by_role("status")).to_contain_text("The survivor was not told")
    found |= shoot(page, "shift-empty")

    colleague.goto(live_server.url("/advocates/shift"))
    expect(colleague.locator("#shift tbody tr")).to_have_count(1)
    expect(colleague.locator("#shift")).to_contain_text(reference)
    found |= shoot(colleague, "shift")
    colleague.get_by_role("link", name=reference).click()
    expect(colleague.locator("#handed-to-you")).to_contain_text(
        "ana@example.org handed this case to you")
    expect(colleague.locator("#handovers")).to_contain_text(NOTE)
    expect(colleague.locator("#handovers")).to_contain_text(
        "ana@example.org handed the case to bea@example.org")
    colleague.locator("#handover").scroll_into_view_if_needed()
    found |= shoot(colleague, "case-after-handover")
    assert found == {name: [] for name in found}


def test_an_urgent_case_over_its_target_says_so_on_the_queue_and_the_overdue_page(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    supervisor = staff.make_advocate(live_server.app, "sue@example.org", "supervisor")
    assert sms.sms(URGENT).status_code == 200
    case_id, reference = newest_case(live_server)
    # Seven minutes ago, and the team told then (the live server runs on the real clock).
    earlier = (datetime.now(UTC) - timedelta(minutes=7, seconds=30)).isoformat(" ")
    with closing(sqlite3.connect(live_server.database_path)) as connection:
        connection.execute("UPDATE escalations SET created_at = ?, notified_at = ?",
                           (earlier, earlier))
        connection.commit()
    page = browsers.launch("sue").pages[0]
    sign_in(page, live_server, supervisor)
    expect(queue_row(page, case_id)).to_contain_text(
        "Unclaimed for 7 min, over the 5 min target")
    expect(queue_row(page, case_id)).to_have_class("urgent overdue")
    found = shoot(page, "queue-overdue")
    with live_server.app.app_context():
        built = services()
        with built.database.transaction() as connection:
            built.sla.record_breaches(connection, built.clock())  # what the sweeper does
    page.get_by_role("link", name="Waiting too long").click()
    expect(page.locator("#overdue tbody tr")).to_have_count(1)
    expect(page.locator("#overdue")).to_contain_text(reference)
    expect(page.locator("#overdue")).to_contain_text("still waiting")
    found |= shoot(page, "overdue")
    assert found == {name: [] for name in found}


def test_a_supervisor_edits_a_canned_reply_by_keyboard_and_a_revealing_one_is_refused(
        live_server: LiveServer, browsers: Browsers) -> None:
    supervisor = staff.make_advocate(live_server.app, "sue@example.org", "supervisor")
    page = browsers.launch("sue").pages[0]
    sign_in(page, live_server, supervisor)
    page.get_by_role("link", name="Canned replies").click()
    expect(page.locator("#canned-replies tbody tr")).to_have_count(5)
    found = shoot(page, "canned")
    page.get_by_role("link", name="Edit Received: I have read your message in en").click()
    expect(page.locator("#text")).to_have_value(
        "Hello, thank you for your message. I have read it and I am here to help. Reply here "
        "when it is safe for you.")
    found |= shoot(page, "canned-edit")

    # Keyboard only: replace the text with one that names the police first: refused.
    page.focus("#text")
    page.keyboard.press("Control+A")
    page.keyboard.type("Police officers can visit you today if you want.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save a new version")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("police in the first 40 characters")
    expect(page.locator("#lockscreen")).to_contain_text("Police officers")
    found |= shoot(page, "canned-refused")

    page.focus("#text")
    page.keyboard.press("Control+A")
    page.keyboard.type("Hello, I have read your message and I am here. Reply when it suits.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url("/advocates/canned"))
    expect(page.locator('#canned-replies tr[data-key="canned.received"]')).to_contain_text(
        "edited, v1")
    page.get_by_role("link", name="Edit Received: I have read your message in en").click()
    expect(page.locator("#versions li")).to_have_count(1)
    expect(page.locator("#versions")).to_contain_text("sue@example.org")
    assert found == {name: [] for name in found}
