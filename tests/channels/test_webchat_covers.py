"""Each built-in cover, as served: one response under 50 KB that needs nothing else (issue 19).

The browser suite (tests/browser/test_webchat_covers.py) looks at them in Chromium; this
checks the bytes: no address that would make a second request, the deployment's choice and
texts on the page, and the cover's language kept whatever the chat's is.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.config import DEFAULT_CONFIG
from app.cover_sites import BUILT_IN
from tests.conftest import AppWith

MAX_PAGE_BYTES = 50_000


def deployment_file(tmp_path: Path, cover: str) -> str:
    demo = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert 'site = "kitchen"\n' in demo
    path = tmp_path / "deployment.toml"
    path.write_text(demo.replace('site = "kitchen"\n', cover, 1), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("site", sorted(BUILT_IN))
@pytest.mark.parametrize("language", ["en", "ar", "pa", "ur"])
def test_each_cover_is_one_small_self_contained_page_in_its_own_language(
        app_with: AppWith, tmp_path: Path, site: str, language: str) -> None:
    app = app_with(QUIETLINE_CONFIG=deployment_file(tmp_path, f'site = "{site}"\n'))
    response = app.test_client().get(f"/?lang={language}")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert len(response.get_data()) < MAX_PAGE_BYTES
    # Nothing that a browser would fetch: every address is in the page, or the exit site's.
    addresses = re.findall(r'(?:src|href|action|xlink:href)\s*=\s*"([^"]*)"', html)
    assert [a for a in addresses if not a.startswith(("#", "data:"))] == []
    assert "url(" not in html
    assert "@import" not in html
    assert "<img" not in html
    assert "<link rel=\"stylesheet\"" not in html
    cover = BUILT_IN[site]
    assert f"<title>{cover.title}</title>" in html
    for section in cover.sections:
        assert f'id="{section.anchor}"' in html
        assert f'href="#{section.anchor}"' in html
    assert html.count("<time datetime=") == sum(len(s.posts) for s in cover.sections)
    assert '<html lang="en" dir="ltr">' in html
    direction = "rtl" if language in ("ar", "ur") else "ltr"
    assert f'<section id="chat" lang="{language}" dir="{direction}"' in html


def test_the_deployments_texts_replace_the_built_in_ones(app_with: AppWith,
                                                         tmp_path: Path) -> None:
    cover = ('site = "garden"\ntitle = "Oakfield Plot"\nchat_link = "Ask Jo"\n'
             'about = ["Kept since 2010."]\n')
    app = app_with(QUIETLINE_CONFIG=deployment_file(tmp_path, cover))
    html = app.test_client().get("/").get_data(as_text=True)
    assert "<title>Oakfield Plot</title>" in html
    assert '<a id="open-chat" href="#ask">Ask Jo</a>' in html
    assert "Kept since 2010." in html
    assert BUILT_IN["garden"].about[0] not in html
    assert BUILT_IN["garden"].sections[0].posts[0].title in html


def test_the_page_carries_the_chat_code_without_its_comments(app_with: AppWith) -> None:
    # The comments in app/web_assets/ are for whoever edits them; they pushed a cover over
    # 50 KB once. Every line of code must still arrive, in order.
    html = app_with().test_client().get("/").get_data(as_text=True)
    assets = Path(__file__).resolve().parents[2] / "app" / "web_assets"
    for name in ("chat.js", "chat.css"):
        source = (assets / name).read_text(encoding="utf-8")
        code = [line for line, comment in _lines(source) if not comment and line.strip()
                and "%(" not in line]
        assert code, name
        position = 0
        for line in code:
            found = html.find(line, position)
            assert found >= 0, (name, line)
            position = found
    # A comment after code on its line stays (telling it from a string needs a parser).
    assert [line for line in html.splitlines() if line.strip().startswith(("//", "/*"))] == []


def _lines(source: str) -> list[tuple[str, bool]]:
    """Each line, and whether it is all comment (inside or opening a `/* */`, or `//`)."""
    found, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        comment = inside or stripped.startswith(("//", "/*"))
        opened, closed = line.rfind("/*"), line.rfind("*/")
        if opened > closed:
            inside = True
        elif closed > opened:
            inside = False
        found.append((line, comment))
    return found
