"""On a phone, "delete this chat" and "close" are in sight without scrolling, in every
language, wherever that leaves the messages half of the height.

Found in Chromium at 390x844: the chat's controls were one row that scrolled sideways, and
the delete and close buttons sat at x=614 and x=689, off screen, with nothing to show they
were there. A survivor who wants to erase everything must be able to see how. Now the
controls wrap; only where wrapping would leave the messages less than half of the height
(a small phone in a language with long words) do they go back to one sideways row, as they
always do with the keyboard open (chat.css's .short-screen).
"""

from __future__ import annotations

import pytest

from tests.browser.chat import ChatPage
from tests.browser.harness import Browsers, LiveServer

pytestmark = pytest.mark.browser

LANGUAGES = ("en", "cy", "pl", "ro", "ar", "ur", "pa", "so")
SHAPE = """() => {
  const box = (id) => document.getElementById(id).getBoundingClientRect();
  const bar = document.querySelector(".chat-bar").getBoundingClientRect();
  const inside = (r) => r.left >= Math.max(0, bar.left) - 0.5
                        && r.right <= Math.min(innerWidth, bar.right) + 0.5;
  const messages = box("messages");
  return { short: document.documentElement.classList.contains("short-screen"),
           erase: inside(box("erase")), close: inside(box("close-chat")),
           safety: inside(box("safety-open")),
           messages: messages.bottom - messages.top, height: innerHeight };
}"""


def shape(live_server: LiveServer, browsers: Browsers, language: str, width: int,
          height: int) -> dict[str, float | bool]:
    context = browsers.launch(viewport={"width": width, "height": height}, has_touch=True,
                              is_mobile=True)
    chat = ChatPage(context.pages[0], live_server)
    chat.open_cover(f"?lang={language}")
    chat.open_chat()
    measured: dict[str, float | bool] = chat.page.evaluate(SHAPE)
    context.close()
    return measured


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_a_phone_every_control_is_in_sight(live_server: LiveServer, browsers: Browsers,
                                              language: str) -> None:
    found = shape(live_server, browsers, language, 390, 844)
    assert not found["short"], found
    assert found["erase"], found
    assert found["close"], found
    assert found["safety"], found
    assert found["messages"] >= found["height"] / 2, found


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_a_small_phone_the_messages_keep_half_the_height(
        live_server: LiveServer, browsers: Browsers, language: str) -> None:
    found = shape(live_server, browsers, language, 360, 640)
    assert found["messages"] >= found["height"] / 2, found
    # Wrapped, everything is in sight; only the sideways row may hide a control.
    assert found["short"] or (found["erase"] and found["close"]), found
