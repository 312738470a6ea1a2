"""The reply picker in Chromium (issue 20 follow-up, item 5): for a Polish-speaking survivor a
canned reply that exists only in English is labelled "English — no Polish version" in the list
and again on the check before sending; chosen by keyboard; axe finds no serious issue."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.services import services
from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_advocates_queue import claim, sign_in
from tests.browser.test_webchat_accessibility import _blocking_violations
from tests.support import staff
from tests.support.cases import latest_case
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.browser
ENGLISH_ONLY = "Thank you for waiting. I am reading your messages now."


def test_an_english_fallback_is_labelled_for_a_polish_speaker(
        live_server: LiveServer, browsers: Browsers, environ: dict[str, str]) -> None:
    app = live_server.app
    sue = staff.make_advocate(app, "sue@example.org", "supervisor")
    with app.app_context():
        member = services().accounts.find(sue.email)
        assert member is not None
        key = services().canned.add(member, "Still reading", "en", ENGLISH_ONLY)
    sms = TwilioSigner(app.test_client(), environ["TWILIO_AUTH_TOKEN"])
    sms.sms("Dzień dobry, potrzebuję pomocy")
    case_id = latest_case(sms)
    ana = staff.make_advocate(app, "ana@example.org")
    page = browsers.launch().pages[0]
    sign_in(page, live_server, ana)
    claim(page, live_server, case_id)
    option = page.locator(f'#canned option[value="{key}"]')
    expect(option).to_have_text(f"[English — no Polish version] {ENGLISH_ONLY}")
    found = {"case": _blocking_violations(page)}
    page.locator("#canned").focus()
    page.locator("#canned").select_option(key)  # as the arrow keys would
    page.keyboard.press("Tab")
    expect(page.locator("#preview")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#language-note")).to_contain_text("English — no Polish version")
    page.screenshot(path="/tmp/desk-canned.png", full_page=False)
    found["check"] = _blocking_violations(page)
    assert found == {"case": [], "check": []}
