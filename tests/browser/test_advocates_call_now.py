"""Safe call-backs in Chromium (issue 20, item 5): an advocate sets their own phone, presses
"Call now" on a case whose survivor asked to be called. Outside the survivor's window it is
refused with a clear message and Twilio hears nothing; inside it the fake Twilio is asked to
ring the advocate's phone, and the bridge TwiML then dials the survivor from the service's
number. The pages pass axe and "Call now" works by keyboard; no number is on any page.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from app.casework.safe_time import DAY_NAMES
from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_advocates_queue import claim, queue_row, sign_in
from tests.browser.test_webchat_accessibility import _blocking_violations
from tests.conftest import MovableClock
from tests.support import staff  # not `TestAdvocate` itself: pytest would try to collect it
from tests.support.calls import ADVOCATE_PHONE, CALL_BACK_FLOW, voice
from tests.support.fake_twilio import FakeTwilio
from tests.support.twilio_signing import SERVICE_NUMBER, SURVIVOR, TwilioSigner

pytestmark = pytest.mark.browser
ALL_DAY = "00:00-23:59"


@pytest.fixture
def sms(live_server: LiveServer, environ: dict[str, str]) -> TwilioSigner:
    """Signs Twilio's requests with the live app's token."""
    return TwilioSigner(live_server.app.test_client(), environ["TWILIO_AUTH_TOKEN"])


def windows_around(moment: datetime) -> tuple[str, str]:
    """A window open all of the moment's day and one open every day but that one (London
    time). The app's clock must stand at `moment`: "00:00-23:59" leaves out the day's last
    minute, and on the wall clock the day could change between choosing and calling."""
    today = moment.astimezone(ZoneInfo("Europe/London")).weekday()
    other_days = ",".join(name for day, name in enumerate(DAY_NAMES) if day != today)
    return f"{DAY_NAMES[today]} {ALL_DAY}", f"{other_days} {ALL_DAY}"


def save_window(page: Page, window: str) -> None:
    page.fill("#window", window)
    page.get_by_role("button", name="Save the safe time").click()
    expect(page.locator("#window")).to_have_value(window)


def assert_no_number(page: Page) -> None:
    html = page.content()
    for number in (SURVIVOR, ADVOCATE_PHONE):
        assert number not in html
        assert number[1:] not in html
        assert "0" + number[3:] not in html


def test_call_now_is_refused_outside_the_window_and_rings_the_advocate_inside_it(
        fake_twilio: FakeTwilio, live_server: LiveServer, browsers: Browsers,
        sms: TwilioSigner, clock: MovableClock) -> None:
    clock.set(staff.TUESDAY_10AM)
    advocate = staff.make_advocate(live_server.app, "ana@example.org")
    for body in CALL_BACK_FLOW:
        assert sms.sms(body).status_code == 200
    inside, outside = windows_around(clock())
    page = browsers.launch().pages[0]
    found: dict[str, list[str]] = {}
    sign_in(page, live_server, advocate, at=clock().timestamp())
    rows = page.locator("#queue tbody tr[data-case]")
    expect(rows).to_have_count(1)
    case_id = int(rows.nth(0).get_attribute("data-case") or 0)
    expect(queue_row(page, case_id)).to_be_visible()
    claim(page, live_server, case_id)
    expect(page.locator("#call-no-phone")).to_be_visible()

    page.get_by_role("link", name="Your phone").first.click()
    page.fill("#phone", "07700 900456")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#phone-now")).to_have_text("Your phone: +44 … 456")
    assert_no_number(page)
    found["phone"] = _blocking_violations(page)

    page.goto(live_server.url(f"/advocates/cases/{case_id}"))
    save_window(page, outside)
    expect(page.locator("#call-window")).to_contain_text("Outside the survivor's safe time")
    page.get_by_role("button", name="Call now").click()
    expect(page.locator("main")).to_contain_text(
        f"Not called. Outside the survivor's safe time ({outside}). You can call from")
    assert fake_twilio.calls == []

    page.goto(live_server.url(f"/advocates/cases/{case_id}"))
    save_window(page, inside)
    expect(page.locator("#call-window")).to_contain_text("you can call now")
    expect(page.locator("#call-script")).to_contain_text("cover story")
    found["case with a call"] = _blocking_violations(page)
    # By keyboard: focus the button, Enter.
    page.locator("#call-now").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url(f"/advocates/cases/{case_id}#call"))
    expect(page.locator("#calls")).to_contain_text("Ringing your phone now.")
    assert_no_number(page)
    assert len(fake_twilio.calls) == 1
    placed = fake_twilio.calls[0]
    assert (placed.to, placed.from_) == (ADVOCATE_PHONE, SERVICE_NUMBER)

    # Twilio: the advocate's phone answers, 1 is pressed, the survivor is dialled.
    asked = ET.fromstring(voice(sms, placed.url, placed.sid).get_data(as_text=True))  # noqa: S314
    gather = asked.find("Gather")
    assert gather is not None
    bridge = ET.fromstring(voice(sms, gather.attrib["action"], placed.sid, Digits="1")  # noqa: S314
                           .get_data(as_text=True))
    dial = bridge.find("Dial")
    assert dial is not None
    assert dial.attrib["callerId"] == SERVICE_NUMBER
    assert [n.text for n in dial.iter("Number")] == [SURVIVOR]
    voice(sms, dial.attrib["action"], placed.sid, DialCallStatus="completed")
    page.reload()
    expect(page.locator("#calls")).to_contain_text("Connected: the survivor answered.")
    assert_no_number(page)
    assert found == {"phone": [], "case with a call": []}
