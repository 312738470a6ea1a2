"""Handing a case over from the manage page in Chromium (issue 20 follow-up, item 6): a
supervisor, by keyboard, picks a colleague on shift, writes the note and hands the case over
without opening it; axe finds no serious issue at desktop and phone widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_advocates_handover import NOTE, newest_case, shoot, sms  # noqa: F401
from tests.browser.test_advocates_queue import sign_in
from tests.support import staff
from tests.support.cases import claim
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.browser


def test_a_supervisor_hands_over_from_the_manage_page_by_keyboard(
        live_server: LiveServer, browsers: Browsers, sms: TwilioSigner) -> None:  # noqa: F811
    app = live_server.app
    ana, bea = (staff.make_advocate(app, f"{n}@example.org") for n in ("ana", "bea"))
    ana_client, bea_client = app.test_client(), app.test_client()
    staff.sign_in(ana_client, ana)
    staff.sign_in(bea_client, bea)
    sms.sms("person")
    case_id, _reference = newest_case(live_server)
    assert claim(ana_client, case_id).status_code == 302

    sue = staff.make_advocate(app, "sue@example.org", "supervisor")
    page = browsers.launch().pages[0]
    sign_in(page, live_server, sue)
    page.goto(live_server.url(f"/advocates/cases/{case_id}/manage"))
    found = shoot(page, "manage")
    page.locator("#transfer-to").focus()
    page.locator("#transfer-to").select_option("bea@example.org")
    page.keyboard.press("Tab")
    expect(page.locator("#transfer-note")).to_be_focused()
    page.keyboard.type(NOTE)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url(f"/advocates/cases/{case_id}/manage?handed=1"))
    expect(page.locator("#handed")).to_have_text(
        "Handed over to bea@example.org. The survivor was not told: nothing is sent to them when"
        " a case changes hands.")
    expect(page.locator("#holder")).to_have_text("bea@example.org")
    found |= shoot(page, "manage, handed")
    page.screenshot(path="/tmp/desk-manage.png", full_page=True)
    assert NOTE not in page.content()
    assert all(v == [] for v in found.values()), found
