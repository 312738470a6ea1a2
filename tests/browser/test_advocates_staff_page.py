"""The administrator's staff page in Chromium (issue 20 follow-up, item 3): by keyboard alone an
admin opens a colleague's phone form from the staff list, saves the number, and sees it only by
its last three digits; both pages pass axe; no form of the number is on either page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.services import services
from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_advocates_queue import sign_in
from tests.browser.test_webchat_accessibility import _blocking_violations
from tests.support import staff

pytestmark = pytest.mark.browser
NUMBER = "+447700900456"


def test_an_admin_sets_a_colleagues_phone_by_keyboard(
        live_server: LiveServer, browsers: Browsers) -> None:
    ana = staff.make_advocate(live_server.app, "ana@example.org")
    admin = staff.make_advocate(live_server.app, "admin@example.org", "admin")
    page = browsers.launch().pages[0]
    sign_in(page, live_server, admin)
    page.get_by_role("link", name="Staff").click()
    page.wait_for_url(live_server.url("/advocates/staff"))
    found = {"staff": _blocking_violations(page)}

    link = page.get_by_role("link", name="Set phone for ana@example.org")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url(f"/advocates/staff/{ana.id}/phone"))
    found["phone form"] = _blocking_violations(page)
    page.locator("#phone").focus()
    page.keyboard.type("07700 900456")
    page.keyboard.press("Tab")  # to Save
    expect(page.get_by_role("button", name="Save")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url(f"/advocates/staff?saved={ana.id}"))
    expect(page.locator("#staff-saved")).to_have_text("Phone saved for ana@example.org.")
    row = page.locator(f'#staff tr[data-account="{ana.id}"]')
    expect(row).to_contain_text("ending … 456")
    found["staff, saved"] = _blocking_violations(page)
    page.screenshot(path="/tmp/desk-staff.png", full_page=True)
    for shape in (NUMBER, NUMBER[1:], "07700 900456", "07700900456", "900456"):
        assert shape not in page.content()
    with live_server.app.app_context():
        assert services().phones.number(ana.id) == NUMBER
    assert found == {"staff": [], "phone form": [], "staff, saved": []}
