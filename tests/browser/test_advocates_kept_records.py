"""Records kept after erasure in Chromium (issue 20 follow-up, item 4): a supervisor goes from
the erased case's page to its kept records by keyboard, states a purpose, and reads them under
a banner saying the conversation was deleted; axe finds no serious issue on either page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_advocates_queue import sign_in
from tests.browser.test_webchat_accessibility import _blocking_violations
from tests.casework.test_referrals import NOTE, REASON, fill_records, refer
from tests.support import staff
from tests.support.cases import claim, open_case
from tests.support.records import deployment_with, erase_by_sms
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.browser


@pytest.fixture
def keeping(environ: dict[str, str], tmp_path: Path) -> None:
    environ["QUIETLINE_CONFIG"] = deployment_with(tmp_path, keep_notes_after_erasure="true")


def erased_with_records(live_server: LiveServer, environ: dict[str, str]) -> int:
    """A case with a note, an assessment and a referral without consent, then erased by the
    survivor; its id."""
    app = live_server.app
    sms = TwilioSigner(app.test_client(), environ["TWILIO_AUTH_TOKEN"])
    holder = app.test_client()
    staff.sign_in(holder, staff.make_advocate(app, "ana@example.org"))
    case_id = open_case(sms)
    assert claim(holder, case_id).status_code == 302
    fill_records(holder, case_id)
    assert refer(holder, case_id, "marac", "without_consent", REASON,
                 on=staff.local_today(app)) == 302
    erase_by_sms(sms)
    return case_id


def test_a_supervisor_reads_kept_records_by_keyboard(
        keeping: None, live_server: LiveServer, browsers: Browsers,
        environ: dict[str, str]) -> None:
    app = live_server.app
    case_id = erased_with_records(live_server, environ)
    supervisor = staff.make_advocate(app, "sam@example.org", "supervisor")
    page = browsers.launch().pages[0]
    sign_in(page, live_server, supervisor)
    page.goto(live_server.url(f"/advocates/cases/{case_id}"))
    link = page.locator("#next-step")
    expect(link).to_have_text("Read the kept records (you will be asked why)")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url(f"/advocates/cases/{case_id}/kept"))
    found = {"purpose": _blocking_violations(page)}
    page.locator("#purpose").focus()
    page.keyboard.press("ArrowDown")  # the second purpose: a safeguarding concern
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url(
        f"/advocates/cases/{case_id}/kept?purpose=safeguarding"))
    expect(page.locator("#erased-banner")).to_contain_text(
        "These records belong to a conversation the survivor deleted")
    expect(page.locator("#kept-notes")).to_contain_text(NOTE)
    expect(page.locator("#kept-referrals")).to_contain_text("too frightened to agree")
    found["kept"] = _blocking_violations(page)
    page.screenshot(path="/tmp/desk-kept.png", full_page=True)
    assert found == {"purpose": [], "kept": []}
