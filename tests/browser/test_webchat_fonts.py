"""No text on the survivors' pages renders as missing-glyph boxes, in any language (issue 19).

Punjabi showed as empty boxes on a stock Debian. The pages name the Noto families for
Gurmukhi, Arabic and Urdu (app/web_assets/chat.css) and `make system-deps` installs Debian's
fonts-noto-core. For each enabled language, the cover with the chat open after one exchange
(its reply in that language) and the standalone safety page are read character by character:
each is drawn on a canvas in its element's own computed font and compared, pixel for pixel,
with a code point no font has (U+0378, unassigned), which is what a missing glyph looks like
in that font (the .notdef box). A combining mark is drawn on a dotted circle, as text shapes
it. The control: the same check in a Chromium that sees only the DejaVu fonts (a stock
Debian's) finds Gurmukhi missing, so the check can fail.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.config import DEFAULT_CONFIG
from app.deployment import load_deployment
from tests.browser.chat import ChatPage
from tests.browser.harness import Browsers, LiveServer

pytestmark = pytest.mark.browser

LANGUAGES = load_deployment(DEFAULT_CONFIG).languages
GREETING = {"ar": "مرحبا", "ur": "سلام", "pa": "ਸਤ ਸ੍ਰੀ ਅਕਾਲ", "pl": "dzień dobry",
            "cy": "helo", "ro": "bună ziua", "so": "salaan"}
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")

# Every distinct character of every text node (hidden ones too: the safety guidance, the
# language menu), in the font its element computes; those drawn exactly like the .notdef box.
MISSING_GLYPHS = r"""() => {
  const MISSING = "\u0378";
  const canvas = document.createElement("canvas");
  canvas.width = 160; canvas.height = 120;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const draw = (text, font) => {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.font = font;
    ctx.textBaseline = "middle";
    ctx.fillText(text, 40, 60);
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let hash = 0, ink = 0;
    for (let i = 3; i < pixels.length; i += 4) {
      hash = (Math.imul(hash, 31) + pixels[i]) | 0;
      ink += pixels[i] > 0 ? 1 : 0;
    }
    return `${ink}:${hash}:${ctx.measureText(text).width}`;
  };
  const seen = new Set(), found = [];
  let checked = 0;
  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!element || ["SCRIPT", "STYLE", "TITLE", "NOSCRIPT"].includes(element.tagName)) {
      continue;
    }
    const s = getComputedStyle(element);
    const font = `${s.fontStyle} ${s.fontWeight} 32px ${s.fontFamily}`;
    for (const ch of node.data) {
      if (/[\s\p{Cc}\p{Cf}]/u.test(ch) || seen.has(font + ch)) { continue; }
      seen.add(font + ch);
      checked += 1;
      const base = /\p{M}/u.test(ch) ? "\u25CC" : "";
      if (draw(base + ch, font) === draw(base + MISSING, font)) {
        const where = element.closest("[lang]");
        found.push(`U+${ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")} ` +
                   `${ch} (${where ? where.lang : "?"}, ${s.fontFamily.slice(0, 40)})`);
      }
    }
  }
  return { checked: checked, missing: found };
}"""


def missing_glyphs(chat: ChatPage) -> tuple[int, list[str]]:
    result = chat.page.evaluate(MISSING_GLYPHS)
    return result["checked"], result["missing"]


def read_everything(chat: ChatPage, server: LiveServer, language: str) -> list[str]:
    """The cover with the chat open after one exchange, then the safety page: what is
    missing on each."""
    missing: list[str] = []
    chat.open_cover(f"?lang={language}")
    chat.open_chat()
    chat.send(GREETING.get(language, "hello"), how="button")
    checked, found = missing_glyphs(chat)
    assert checked > 30, f"only {checked} characters were read"
    missing.extend(f"chat: {m}" for m in found)
    chat.page.goto(server.url(f"/notes?lang={language}"))
    missing.extend(f"safety page: {m}" for m in missing_glyphs(chat)[1])
    return missing


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_renders_as_missing_glyph_boxes(live_server: LiveServer, browsers: Browsers,
                                                language: str) -> None:
    chat = ChatPage(browsers.launch().pages[0], live_server)
    missing = read_everything(chat, live_server, language)
    assert missing == [], ("`make system-deps` installs the fonts (fonts-noto-core):\n"
                           + "\n".join(missing))


def test_the_check_finds_gurmukhi_missing_where_only_dejavu_is_installed(
        live_server: LiveServer, browsers: Browsers, tmp_path: Path) -> None:
    if not DEJAVU.is_dir():
        pytest.fail(f"{DEJAVU} is missing (Debian's fonts-dejavu-core, chromium's dependency)")
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>{DEJAVU}</dir><cachedir>{tmp_path / 'font-cache'}</cachedir></fontconfig>",
        encoding="utf-8")
    context = browsers.launch(env={**os.environ, "FONTCONFIG_FILE": str(config)})
    chat = ChatPage(context.pages[0], live_server)
    missing = read_everything(chat, live_server, "pa")
    gurmukhi = [m for m in missing if "U+0A" in m]
    assert len(gurmukhi) > 10, missing
