"""A case's records in a real Chromium (issue 20, items 2-4): a note added by keyboard shows
after a reload; axe finds no serious issue on the case page with its records; screenshots at
desktop and phone widths when QUIETLINE_SCREENSHOTS names a folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_advocates_accessibility import tab_to
from tests.browser.test_advocates_queue import claim, sign_in
from tests.browser.test_webchat_accessibility import _blocking_violations
from tests.support import staff
from tests.support.cases import latest_case
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.browser
NOTE = "Spoke for ten minutes.\nShe will text when he is out."
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture
def sms(live_server: LiveServer, environ: dict[str, str]) -> TwilioSigner:
    return TwilioSigner(live_server.app.test_client(), environ["TWILIO_AUTH_TOKEN"])


def shoot(page: Page, name: str) -> None:
    """Keep a full-page screenshot at each width, to look at (not compared)."""
    shots = os.environ.get("QUIETLINE_SCREENSHOTS")
    if not shots:
        return
    for label, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(Path(shots) / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def case_page(live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> Page:
    """An advocate signed in, holding a fresh case, on its page."""
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    sms.sms("person", sender="+447700900301")
    case_id = latest_case(sms)
    page = browsers.launch("advocate").pages[0]
    sign_in(page, live_server, advocate)
    claim(page, live_server, case_id)
    return page


def test_a_note_added_by_keyboard_shows_after_a_reload(case_page: Page) -> None:
    page = case_page
    expect(page.locator("#note-list")).to_have_text("No notes yet.")
    tab_to(page, "#note")
    first, second = NOTE.split("\n")
    page.keyboard.type(first)
    page.keyboard.press("Enter")  # a new line in the note, not a submission
    page.keyboard.type(second)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "save-note"
    page.keyboard.press("Enter")
    page.wait_for_url("**#notes")
    page.reload()
    note = page.locator("#note-list .note-text")
    expect(note).to_have_count(1)
    assert note.inner_text() == NOTE
    expect(page.locator("#note-list")).to_contain_text("ana@example.org")
    assert _blocking_violations(page) == []
    shoot(page, "case-notes")


def test_the_dash_form_with_fourteen_yes_answers_shows_the_marac_threshold_reached_and_why(
        case_page: Page) -> None:
    page = case_page
    expect(page.locator("#risk-latest")).to_have_text("No risk assessment yet.")
    page.locator("#assess-risk").click()
    page.wait_for_url("**/risk")
    assert _blocking_violations(page) == []
    questions = page.locator("fieldset.question").filter(has=page.locator('input[name^="q-"]'))
    count = questions.count()
    assert count == 24
    # By keyboard: Tab reaches a question's first answer ("Yes"); arrow keys move between the
    # answers of one question, as radio groups do.
    tab_to(page, 'fieldset.question input[value="yes"]')
    page.keyboard.press("Space")
    for index in range(1, count):
        answer = "yes" if index < 14 else "no"
        questions.nth(index).locator(f'input[value="{answer}"]').check()
    expect(page.locator("#risk-tally")).to_contain_text("MARAC threshold reached (14)")
    expect(page.locator("#risk-tally")).to_contain_text(
        '"yes" to questions 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14.')
    page.locator('input[name="level"][value="medium"]').check()
    page.fill("#judgement", "Fourteen factors present; she fears for the children.")
    shoot(page, "risk-form")
    page.locator("#save-risk").click()
    page.wait_for_url("**#risk")
    expect(page.locator("#risk-threshold")).to_contain_text("MARAC threshold reached")
    expect(page.locator("#risk-yes li")).to_have_count(14)
    expect(page.locator("#risk-judgement")).to_contain_text("Medium")
    assert _blocking_violations(page) == []
    shoot(page, "case-risk")


def test_a_referral_without_consent_prints_a_summary_with_its_reason_and_no_navigation(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    for body in ("person", "1", "1", "2"):  # ... and "2": no to sharing with police or MARAC
        sms.sms(body, sender="+447700900302")
    case_id = latest_case(sms)
    page = browsers.launch("advocate").pages[0]
    sign_in(page, live_server, advocate)
    claim(page, live_server, case_id)
    expect(page.locator("#consent-alert")).to_contain_text("No consent to share")
    assert _blocking_violations(page) == []
    shoot(page, "case-consent-withdrawn")

    page.get_by_text("Record a referral").click()
    page.select_option("#referral-agency", "marac")
    page.fill("#referral-on", staff.local_today(live_server.app))
    page.get_by_label("Without consent: high risk (reason recorded)").check()
    page.fill("#referral-reason", "Threat to kill this week; she is too frightened to agree.")
    page.locator("#save-referral").click()
    page.wait_for_url("**#referrals")
    expect(page.locator("#referral-list")).to_contain_text("Without consent, because of high risk")
    page.get_by_role("link", name="Printable summary of the referral to MARAC").click()
    page.wait_for_url("**/summary")
    expect(page.locator("#summary-reason")).to_contain_text("Threat to kill this week")
    assert _blocking_violations(page) == []
    page.emulate_media(media="print")
    expect(page.locator("header")).to_be_hidden()
    expect(page.locator("#summary")).to_be_visible()
    shoot(page, "referral-summary-print")
