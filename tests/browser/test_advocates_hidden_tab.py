"""The live polls back off in a hidden tab (issue 20 follow-up, item 7): the queue (every 0.5 s)
and an open case (every 1 s) ask every 10 s while the tab is hidden, and at once when it is
shown again. Chromium's visibility is set the way a switched-away tab reports it
(document.hidden, visibilityState, a visibilitychange event)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page

from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_advocates_queue import claim, sign_in
from tests.support import staff
from tests.support.cases import latest_case
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.browser
# Long enough for several polls of a visible tab (6 of the queue's, 3 of a case's), short of
# the hidden period (10 s): how long the test watches a hidden tab ask nothing.
WATCH_S = 3.0

SET_VISIBILITY = """hidden => {
  Object.defineProperty(document, "hidden", {configurable: true, get: () => hidden});
  Object.defineProperty(document, "visibilityState", {configurable: true,
                        get: () => hidden ? "hidden" : "visible"});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def polls(live_server: LiveServer, path: str) -> int:
    return len([s for s in live_server.served if s.method == "GET" and s.path == path])


def hidden_then_shown(page: Page, live_server: LiveServer, path: str) -> None:
    live_server.wait_served("GET", path, timeout=10, count=polls(live_server, path) + 2)
    page.evaluate(SET_VISIBILITY, True)
    # The poll already under way (or due) may still come; after it, nothing while hidden.
    settled = polls(live_server, path) + 1
    live_server.wait_served("GET", path, timeout=5, count=settled)
    page.wait_for_timeout(WATCH_S * 1000)  # watching for polls that must not come
    assert polls(live_server, path) == settled
    shown = time.monotonic()
    page.evaluate(SET_VISIBILITY, False)
    live_server.wait_served("GET", path, timeout=5, count=settled + 1)
    assert time.monotonic() - shown < 2.0  # at once, not at the end of the 10 s period
    live_server.wait_served("GET", path, timeout=5, count=settled + 3)  # and as before


def test_the_queue_and_the_case_page_poll_slowly_while_hidden(
        live_server: LiveServer, browsers: Browsers, environ: dict[str, str]) -> None:
    sms = TwilioSigner(live_server.app.test_client(), environ["TWILIO_AUTH_TOKEN"])
    sms.sms("person")
    case_id = latest_case(sms)
    page = browsers.launch().pages[0]
    sign_in(page, live_server, staff.make_advocate(live_server.app, "ana@example.org"))
    hidden_then_shown(page, live_server, "/advocates/queue.json")
    claim(page, live_server, case_id)
    hidden_then_shown(page, live_server, f"/advocates/cases/{case_id}/live.json")
