"""The chat on a phone first (issue 19, item 1), measured from bounding boxes in Chromium.

At 360x640 and 390x844 (touch, mobile emulation), with the on-screen keyboard open (the
viewport at 45 % of the height, as Chrome on Android lays the page out with
`interactive-widget=resizes-content`), on a desktop and at 200 % zoom (half the CSS pixels at
twice the density), in English and Arabic (right to left):

- the quick-exit button is wholly on screen, at least 44 px square, and overlaps no other
  control (boxes clipped to what their scrolling parents show), also with the safety guidance
  and the "delete?" question open, where it stays exactly where it was;
- the messages get at least half of the height, and the text box with its Send button spans
  the width (not checked for a phone at 200 %, where 195x422 CSS pixels cannot hold both);
- "press Shift 3 times" shows only where there is a fine pointer that hovers (a keyboard);
- axe-core finds no serious or critical issue.

Safari shrinks only the visual viewport when the keyboard opens; a stand-in visualViewport
checks that the panel then follows it and switches to its short-screen layout.

Set QUIETLINE_SCREENSHOTS to a folder to keep a screenshot of each case there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.chat import ChatPage
from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_webchat_accessibility import _blocking_violations

pytestmark = pytest.mark.browser

KEYBOARD_OPEN = 0.45
MIN_TARGET = 44


@dataclass(frozen=True)
class Screen:
    width: int
    height: int
    touch: bool
    zoom: int = 1
    check_space: bool = True

    def options(self) -> dict[str, Any]:
        return {"viewport": {"width": self.width // self.zoom, "height": self.height // self.zoom},
                "device_scale_factor": self.zoom, "has_touch": self.touch,
                "is_mobile": self.touch}


SCREENS = {
    "phone-360x640": Screen(360, 640, touch=True),
    "phone-390x844": Screen(390, 844, touch=True),
    "phone-360x640-keyboard": Screen(360, round(640 * KEYBOARD_OPEN), touch=True),
    "phone-390x844-keyboard": Screen(390, round(844 * KEYBOARD_OPEN), touch=True),
    "desktop-1280x800": Screen(1280, 800, touch=False),
    "desktop-1280x800-zoom200": Screen(1280, 800, touch=False, zoom=2),
    "phone-390x844-zoom200": Screen(390, 844, touch=True, zoom=2, check_space=False),
}

# Every visible control's box, clipped to the boxes of the ancestors that clip it (the
# controls row scrolls sideways on short screens), and the boxes the checks need.
MEASURE = """() => {
  const box = (r) => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom });
  const clipped = (el) => {
    let r = box(el.getBoundingClientRect());
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX !== "visible" || s.overflowY !== "visible") {
        const c = p.getBoundingClientRect();
        r = { left: Math.max(r.left, c.left), top: Math.max(r.top, c.top),
              right: Math.min(r.right, c.right), bottom: Math.min(r.bottom, c.bottom) };
      }
    }
    return r;
  };
  const controls = [];
  const selector = "button, select, textarea, input, a[href], label, [tabindex='0']";
  for (const el of document.querySelectorAll("#chat " + selector)) {
    if (el.id === "quick-exit" || !el.checkVisibility()) { continue; }
    const r = clipped(el);
    if (r.right - r.left > 1 && r.bottom - r.top > 1) {
      controls.push({ name: el.id || el.tagName.toLowerCase() + ":" + el.textContent.trim(),
                      box: r });
    }
  }
  const of = (id) => box(document.getElementById(id).getBoundingClientRect());
  const seen = window.visualViewport ? visualViewport.height : innerHeight;
  return { width: innerWidth, height: seen, controls: controls,
           exit: of("quick-exit"), messages: clipped(document.getElementById("messages")),
           input: of("message-input"), send: of("send") };
}"""


# A visualViewport the test can shrink, as Safari's does when the keyboard opens (Chromium
# cannot open an on-screen keyboard here).
FAKE_VISUAL_VIEWPORT = """(() => {
  const fake = new EventTarget();
  let share = 1;
  Object.defineProperties(fake, {
    scale: { get: () => 1 }, offsetTop: { get: () => 0 }, offsetLeft: { get: () => 0 },
    width: { get: () => innerWidth }, height: { get: () => Math.round(innerHeight * share) },
  });
  Object.defineProperty(window, "visualViewport", { value: fake, configurable: true });
  window.__openKeyboard = (part) => { share = part; fake.dispatchEvent(new Event("resize")); };
})();"""


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (min(a["right"], b["right"]) - max(a["left"], b["left"]) > 0.5
            and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5)


def exit_problems(page: Page, where: str) -> tuple[list[str], dict[str, float]]:
    m = page.evaluate(MEASURE)
    exit_box = m["exit"]
    problems = []
    if (exit_box["left"] < 0 or exit_box["top"] < 0 or exit_box["right"] > m["width"]
            or exit_box["bottom"] > m["height"]):
        problems.append(f"{where}: quick exit {exit_box} is not wholly on screen")
    if (exit_box["right"] - exit_box["left"] < MIN_TARGET
            or exit_box["bottom"] - exit_box["top"] < MIN_TARGET):
        problems.append(f"{where}: quick exit {exit_box} is smaller than {MIN_TARGET} px")
    problems.extend(f"{where}: quick exit overlaps {c['name']} {c['box']}"
                    for c in m["controls"] if overlap(exit_box, c["box"]))
    return problems, exit_box


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("screen_name", list(SCREENS))
def test_the_chat_fits_the_screen_and_quick_exit_covers_nothing(
        live_server: LiveServer, browsers: Browsers, screen_name: str, language: str) -> None:
    screen = SCREENS[screen_name]
    context = browsers.launch(**screen.options())
    chat = ChatPage(context.pages[0], live_server)
    page = chat.page
    chat.open_cover(f"?lang={language}")
    chat.open_chat()
    chat.send("hello" if language == "en" else "مرحبا", how="button")
    problems, exit_box = exit_problems(page, "chat")

    m = page.evaluate(MEASURE)
    if screen.check_space:
        shown = m["messages"]["bottom"] - m["messages"]["top"]
        if shown < m["height"] / 2:
            problems.append(f"the messages get {shown:.0f} of {m['height']} px")
        form_width = (m["input"]["right"] - m["input"]["left"]
                      + m["send"]["right"] - m["send"]["left"])
        if form_width < 0.85 * m["width"]:
            problems.append(f"text box and Send span {form_width:.0f} of {m['width']} px")
    hint = page.locator(".shift-hint")
    if screen.touch:
        if hint.is_visible():
            problems.append("the Shift hint shows on a touch screen")
    elif screen.zoom == 1 and not hint.is_visible():
        problems.append("the Shift hint is missing on a desktop")
    problems.extend(f"axe: {v}" for v in _blocking_violations(page))
    shots = os.environ.get("QUIETLINE_SCREENSHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / f"{screen_name}-{language}.png"))

    page.click("#safety-open")
    expect(page.locator("#safety")).to_be_visible()
    found, box = exit_problems(page, "safety guidance")
    problems.extend(found + ([f"quick exit moved to {box}"] if box != exit_box else []))
    problems.extend(f"axe, safety guidance: {v}" for v in _blocking_violations(page))
    page.click("#safety-close")
    page.click("#erase")
    expect(page.locator("#erase-confirm")).to_be_visible()
    found, box = exit_problems(page, "delete question")
    problems.extend(found + ([f"quick exit moved to {box}"] if box != exit_box else []))

    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_with_only_the_visual_viewport_shrunk_the_panel_follows_it(
        live_server: LiveServer, browsers: Browsers, language: str) -> None:
    context = browsers.launch(**SCREENS["phone-360x640"].options())
    context.add_init_script(FAKE_VISUAL_VIEWPORT)
    chat = ChatPage(context.pages[0], live_server)
    page = chat.page
    chat.open_cover(f"?lang={language}")
    chat.open_chat()
    chat.send("hello" if language == "en" else "مرحبا", how="button")

    page.evaluate(f"__openKeyboard({KEYBOARD_OPEN})")

    seen = round(640 * KEYBOARD_OPEN)
    panel = page.locator("#chat").bounding_box()
    assert panel is not None
    assert (panel["y"], panel["height"]) == (0, seen)
    problems, _ = exit_problems(page, "keyboard open")
    m = page.evaluate(MEASURE)
    shown = m["messages"]["bottom"] - m["messages"]["top"]
    if shown < seen / 2:
        problems.append(f"the messages get {shown:.0f} of {seen} px")
    if m["input"]["bottom"] > seen:
        problems.append(f"the text box {m['input']} is below what can be seen")
    assert problems == [], "\n".join(problems)
    page.evaluate("__openKeyboard(1)")
    expect(page.locator("html")).not_to_have_class("short-screen")
    assert page.locator("#chat").evaluate("e => e.style.height") == ""
