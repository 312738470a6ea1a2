"""The list of erased cases with kept records in Chromium (issue 20, a gap left last session):
a supervisor reaches it from the navigation by keyboard, finds the case with its counts, and
goes on to the purpose question; axe finds no serious issue at phone and desktop widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_advocates_kept_records import erased_with_records, keeping
from tests.browser.test_advocates_queue import sign_in
from tests.browser.test_webchat_accessibility import _blocking_violations
from tests.casework.test_referrals import NOTE
from tests.support import staff

pytestmark = pytest.mark.browser
__all__ = ["keeping"]  # a fixture, used by name


@pytest.mark.usefixtures("keeping")
def test_a_supervisor_finds_kept_records_from_the_navigation(
        live_server: LiveServer, browsers: Browsers, environ: dict[str, str]) -> None:
    case_id = erased_with_records(live_server, environ)
    supervisor = staff.make_advocate(live_server.app, "sam@example.org", "supervisor")
    page = browsers.launch().pages[0]
    sign_in(page, live_server, supervisor)
    nav = page.get_by_role("link", name="Kept after erasure")
    nav.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url("/advocates/kept"))
    row = page.locator(f'#kept-cases tr[data-case="{case_id}"]')
    expect(row).to_contain_text("1 note, 1 risk assessment, 1 referral")
    expect(page.locator("main")).not_to_contain_text(NOTE)
    found: dict[int, object] = {}
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        # The table scrolls inside its region; the page itself never scrolls sideways.
        wide = page.evaluate("document.documentElement.scrollWidth")
        found[width] = _blocking_violations(page) + ([f"page {wide} px wide"] if wide > width
                                                     else [])
        page.screenshot(path=f"/tmp/desk-kept-list-{width}.png", full_page=True)
    row.get_by_role("link").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url(f"/advocates/cases/{case_id}/kept"))
    expect(page.locator("#purpose")).to_be_visible()
    assert found == {390: [], 1280: []}
