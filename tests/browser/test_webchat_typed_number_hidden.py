"""A phone number typed into a chat message leaves the survivor's own screen once the service
answers (survivor8), in Chromium at a phone's size, in English, Arabic and Polish.

The service withholds a UK phone number typed into a message (app/conversation/typed_numbers.py)
and says it did not keep it; the page still showed the number in the survivor's own bubble, so
whoever picks up the phone later read what the service had promised not to keep. The bubble now
shows the message as it was kept, the number as the page's words for it, and nothing else of
the message changes. A message without a number is left exactly as typed.

QUIETLINE_SCREENSHOTS=<folder> keeps a screenshot to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.services import services
from tests.browser.chat import open_chat
from tests.browser.harness import Browsers, LiveServer

pytestmark = pytest.mark.browser

TYPED = "07700 900321"
DIGITS = ("900321", "900 321", "٩٠٠٣٢١")


@pytest.mark.parametrize("language", ["en", "ar", "pl"])
def test_a_typed_number_leaves_the_survivors_own_bubble(
        live_server: LiveServer, browsers: Browsers, language: str) -> None:
    chat = open_chat(live_server, browsers, language, 390)
    with live_server.app.app_context():
        hidden = services().web_catalogues.text(language, "chat.number_hidden")
    chat.send(f"call me on {TYPED} after 6 please")
    chat.page.wait_for_function(
        "mark => [...document.querySelectorAll('li.message.from-you')]"
        ".some(li => li.textContent.includes(mark))", arg=hidden)
    (mine,) = chat.own_messages()
    assert mine == f"call me on {hidden} after 6 please"
    page_text = chat.page.locator("body").inner_text()
    assert not any(digits in page_text for digits in DIGITS), page_text
    folder = os.environ.get("QUIETLINE_SCREENSHOTS")
    if folder:
        chat.page.screenshot(path=str(Path(folder) / f"typed-number-{language}.png"))


def test_a_message_without_a_number_is_left_as_typed(
        live_server: LiveServer, browsers: Browsers) -> None:
    chat = open_chat(live_server, browsers, "en", 1366)
    chat.send("the 24 hour line, is it free? 0808 2000 247")  # the helpline is not withheld
    assert chat.own_messages() == ["the 24 hour line, is it free? 0808 2000 247"]
