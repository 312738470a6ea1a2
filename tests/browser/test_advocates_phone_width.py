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


# Every filter form's labels and fields, where they touch: a label neither above its own field
# nor clear of it, or a field on the same line as the next label and closer than 8 px.
CRAMPED = """() => {
  const found = [];
  const box = (e) => e.getBoundingClientRect();
  const sameLine = (a, b) => a.top < b.bottom && b.top < a.bottom;
  for (const form of document.querySelectorAll("form.filters")) {
    let previous = null;
    for (const label of form.querySelectorAll("label[for]")) {
      const field = document.getElementById(label.htmlFor);
      const l = box(label), f = box(field);
      if (!(l.bottom <= f.top + 1 || l.right + 4 <= f.left)) { found.push(label.htmlFor); }
      if (previous && sameLine(previous, l) && l.left - previous.right < 8) {
        found.push("before " + label.htmlFor);
      }
      previous = f;
    }
  }
  return found;
}"""


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_filter_labels_and_fields_stand_apart(
        live_server: LiveServer, browsers: Browsers, width: int, height: int) -> None:
    """The audit trail's filters ran together at 1366 px (staff6): "Case[   ]Who[   ]"."""
    supervisor = staff.make_advocate(live_server.app, "sam@example.org", "supervisor")
    page = browsers.launch().pages[0]
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, live_server, supervisor)
    cramped = {}
    for path in ("/advocates/audit", "/advocates/report", "/advocates/search",
                 "/advocates/queue"):
        assert page.goto(live_server.url(path)).status == 200, path  # type: ignore[union-attr]
        found = page.evaluate(CRAMPED)
        if found:
            cramped[path] = found
    assert cramped == {}


# Where each of the header's items starts, left to right: the name, each link, the e-mail and
# the sign-out button.
HEADER_ITEMS = """() => [...document.querySelectorAll(
    "header strong, header nav a, header .who, header button")].map((e) => {
  const r = e.getBoundingClientRect();
  return {top: Math.round(r.top + r.height / 2), right: Math.round(r.right), text: e.textContent};
})"""


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_the_supervisors_header_is_one_line_on_a_desktop_and_whole_on_a_phone(
        live_server: LiveServer, browsers: Browsers, width: int, height: int) -> None:
    """A supervisor has the most links; with a long e-mail they still sit on one line at
    1366 px (the e-mail cut short, whole in its tooltip), and on a phone they wrap inside the
    screen, none cut off."""
    email = "alexandra.whitfield-jones@partnership.example"
    supervisor = staff.make_advocate(live_server.app, email, "supervisor")
    page = browsers.launch().pages[0]
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, live_server, supervisor)
    page.goto(live_server.url("/advocates/queue"))
    items = page.evaluate(HEADER_ITEMS)
    assert len(items) == 12  # the name, nine links, the e-mail, Sign out
    assert all(item["right"] <= width for item in items), items
    if width >= 1366:
        middles = {item["top"] for item in items}
        assert max(middles) - min(middles) <= 4, items
    assert page.locator("header .who").get_attribute("title") == f"{email} (supervisor)"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
