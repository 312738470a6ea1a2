"""A safe call-back's state shows on the open case page as it changes (issue 20 follow-up,
item 2): after "Call now" the page says the advocate's phone is ringing, then that the survivor
answered (or did not), with no reload. No number is on the page."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from playwright.sync_api import expect

from app.services import services
from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_advocates_call_now import (
    assert_no_number,
    save_window,
    sms,  # noqa: F401 -- the fixture, used by name
    windows_around,
)
from tests.browser.test_advocates_queue import claim, sign_in
from tests.browser.test_webchat_accessibility import _blocking_violations
from tests.conftest import MovableClock
from tests.support import staff
from tests.support.calls import CALL_BACK_FLOW, voice
from tests.support.fake_twilio import FakeTwilio
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.browser


def test_the_call_state_updates_on_the_open_case_page_without_a_reload(
        fake_twilio: FakeTwilio, live_server: LiveServer, browsers: Browsers,
        sms: TwilioSigner, clock: MovableClock) -> None:  # noqa: F811 -- the fixture imported above
    clock.set(staff.TUESDAY_10AM)  # see windows_around
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    with live_server.app.app_context():
        services().phones.set(advocate.id, "07700 900456", actor="test")
    for body in CALL_BACK_FLOW:
        assert sms.sms(body).status_code == 200
    inside, _outside = windows_around(clock())
    page = browsers.launch().pages[0]
    sign_in(page, live_server, advocate, at=clock().timestamp())
    rows = page.locator("#queue tbody tr[data-case]")
    expect(rows).to_have_count(1)
    case_id = int(rows.nth(0).get_attribute("data-case") or 0)
    claim(page, live_server, case_id)
    save_window(page, inside)

    page.locator("#call-now").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url(f"/advocates/cases/{case_id}#call"))
    expect(page.locator("#calls")).to_contain_text("Ringing your phone now.")
    assert len(fake_twilio.calls) == 1
    placed = fake_twilio.calls[0]
    loaded = page.evaluate("performance.getEntriesByType('navigation')[0].startTime")

    asked = ET.fromstring(voice(sms, placed.url, placed.sid).get_data(as_text=True))  # noqa: S314
    gather = asked.find("Gather")
    assert gather is not None
    bridge = ET.fromstring(voice(sms, gather.attrib["action"], placed.sid, Digits="1")  # noqa: S314
                           .get_data(as_text=True))
    dial = bridge.find("Dial")
    assert dial is not None
    expect(page.locator("#calls")).not_to_contain_text("Ringing your phone now.")
    voice(sms, dial.attrib["action"], placed.sid, DialCallStatus="completed")
    expect(page.locator("#calls")).to_contain_text("Connected: the survivor answered.")
    # The same page: no reload happened.
    assert page.evaluate("performance.getEntriesByType('navigation')[0].startTime") == loaded
    assert_no_number(page)
    page.screenshot(path="/tmp/desk-call-live.png", full_page=False)
    assert _blocking_violations(page) == []
