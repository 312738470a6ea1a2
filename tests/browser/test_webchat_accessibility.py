"""axe-core finds no serious or critical issue on the chat's pages, in English and Arabic.

Pages: the cover page, the cover page with the chat open after one exchange, and the
standalone safety page (`/notes`), each in English and in Arabic (right to left).

axe-core is the copy bundled in the axe-playwright-python package (no network), evaluated in
the page through DevTools, which the page's Content-Security-Policy does not govern; the page
itself runs under its real policy.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.chat import ChatPage
from tests.browser.harness import Browsers, LiveServer

pytestmark = pytest.mark.browser

AXE_SOURCE = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
BLOCKING = ("serious", "critical")
RUN_AXE = """async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
  }));
}"""


def _blocking_violations(page: Page) -> list[str]:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return [f"{v['impact']} {v['id']}: {v['help']} at {v['targets']}"
            for v in violations if v["impact"] in BLOCKING]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_no_serious_accessibility_issues(live_server: LiveServer, browsers: Browsers,
                                         language: str) -> None:
    context = browsers.launch()
    chat = ChatPage(context.pages[0], live_server)
    found: dict[str, list[str]] = {}

    chat.open_cover(f"?lang={language}")
    found["cover page"] = _blocking_violations(chat.page)
    chat.open_chat()
    chat.send("hello" if language == "en" else "مرحبا")
    found["open chat"] = _blocking_violations(chat.page)
    chat.page.goto(live_server.url(f"/notes?lang={language}"))
    found["safety page"] = _blocking_violations(chat.page)

    assert found == {"cover page": [], "open chat": [], "safety page": []}
