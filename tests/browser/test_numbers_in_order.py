"""The helpline number reads in order on the page in Arabic and Urdu (issue 21, item 5): the
chat's emergency banner puts it in <bdi dir="ltr"> with no-break spaces, so at phone and
desktop widths its digit groups show left to right as 0808, 2000, 247, on one line."""

from __future__ import annotations

import pytest

from tests.browser.chat import open_chat
from tests.browser.harness import Browsers, LiveServer

pytestmark = pytest.mark.browser

# The x and y of each digit group as rendered, from a Range over its characters.
GROUPS = """() => {
  const banner = document.getElementById("emergency");
  const walker = document.createTreeWalker(banner, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const group of ["0808", "2000", "247"]) {
      const at = node.data.indexOf(group);
      if (at < 0 || !/\\d{3}/.test(node.data.slice(at))) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + group.length);
      const rects = Array.from(range.getClientRects());
      const isolated = node.parentElement.closest('bdi[dir="ltr"]') !== null;
      found.push({group, isolated, lines: rects.length, x: rects[0].left, top: rects[0].top});
    }
  }
  return found;
}"""


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["ar", "ur"])
def test_the_helpline_groups_read_left_to_right_on_one_line(
        live_server: LiveServer, browsers: Browsers, language: str, width: int) -> None:
    chat = open_chat(live_server, browsers, language, width)
    groups = chat.page.evaluate(GROUPS)
    assert [g["group"] for g in groups] == ["0808", "2000", "247"], groups
    assert all(g["isolated"] for g in groups), groups  # in <bdi dir="ltr">, whatever the app
    assert all(g["lines"] == 1 for g in groups), groups
    assert len({round(g["top"]) for g in groups}) == 1, groups  # never wrapped apart
    xs = [g["x"] for g in groups]
    assert xs == sorted(xs), groups  # 0808, 2000, 247 from left to right
