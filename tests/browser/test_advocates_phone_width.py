"""Every staff page a supervisor reaches from the navigation fits a phone's width (390 px):
wide tables scroll inside their own region and charts shrink, so the page itself never
scrolls sideways (the audit trail and the report did, found on shift at phone size)."""

from __future__ import annotations

import pytest

from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_advocates_queue import sign_in
from tests.support import staff
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.browser
PAGES = ("/advocates/queue", "/advocates/shift", "/advocates/audit", "/advocates/report",
         "/advocates/overdue", "/advocates/canned", "/advocates/kept", "/advocates/sessions",
         "/advocates/search?status=open", "/advocates/account/phone")


def test_no_staff_page_scrolls_sideways_on_a_phone(
        live_server: LiveServer, browsers: Browsers, environ: dict[str, str]) -> None:
    sms = TwilioSigner(live_server.app.test_client(), environ["TWILIO_AUTH_TOKEN"])
    for n, text in enumerate(("hes outside now and he has a knife", "person", "3")):
        assert sms.sms(text, sender=f"+4477009004{n:02d}").status_code == 200
    supervisor = staff.make_advocate(live_server.app, "sam@example.org", "supervisor")
    page = browsers.launch().pages[0]
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, supervisor)
    wide = {}
    for path in PAGES:
        assert page.goto(live_server.url(path)).status == 200, path  # type: ignore[union-attr]
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide[path] = width
    assert wide == {}
