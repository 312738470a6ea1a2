"""Without JavaScript, the emergency numbers can still be read (issue 12).

Contract: `#emergency` (999, 55, 0808 2000 247) is readable with JavaScript disabled: on `/`,
following the `#ask` link shows it. Also on the standalone safety page.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.chat import EMERGENCY_NUMBERS, normalise
from tests.browser.harness import Browsers, LiveServer

pytestmark = pytest.mark.browser


def test_emergency_numbers_without_javascript(live_server: LiveServer,
                                              browsers: Browsers) -> None:
    context = browsers.launch(java_script_enabled=False)
    page = context.pages[0]
    page.goto(live_server.base_url)

    page.click("#open-chat")

    assert page.url == live_server.base_url + "#ask"
    emergency = page.locator("#emergency")
    expect(emergency).to_be_visible()
    text = normalise(emergency.inner_text())
    for number in EMERGENCY_NUMBERS:
        assert number in text, f"{number} not readable without JavaScript: {text!r}"

    page.goto(live_server.url("/notes"))
    safety_text = normalise(page.locator("body").inner_text())
    for number in EMERGENCY_NUMBERS:
        assert number in safety_text, f"{number} not on the safety page: {safety_text!r}"
