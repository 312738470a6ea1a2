"""The standalone guidance page (`/notes`) has a quick exit too (found by survivor6: it showed
the helpline and the words of abuse in full with no way off the screen but the browser's own).

The page works without JavaScript, so its quick exit is a plain link to the deployment's exit
address: the first link on the page (one Tab away), in every language, sending no referrer.
With JavaScript, its own small script (app/web_assets/notes.js, inline, allowed by its hash in
the page's own CSP and by nothing else) makes the link replace the page in history and adds
Shift x3 (tests/browser/test_notes_quick_exit.py); without it, a <noscript> line says the
link then leaves the page in history, in every language.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from app.channels.webchat_assets import asset_text
from app.crypto import csp_hash
from app.services import services

LANGUAGES = ("en", "cy", "pl", "ro", "ar", "ur", "pa", "so")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("a", "button", "input", "select", "textarea"):
            self.links.append({"tag": tag, **dict(attrs)})


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_guide_opens_with_a_quick_exit_link(client: FlaskClient, language: str) -> None:
    page = client.get(f"/notes?lang={language}")
    assert page.status_code == 200
    parser = _Links()
    parser.feed(page.get_data(as_text=True))
    first = parser.links[0]
    with client.application.app_context():
        exit_url = services().settings.deployment.exit_url
    assert first["tag"] == "a"
    assert first["id"] == "quick-exit"
    assert first["href"] == exit_url
    assert "noreferrer" in (first.get("rel") or "").split()


def test_the_guides_script_is_its_own_and_the_only_one_its_csp_allows(
        client: FlaskClient) -> None:
    page = client.get("/notes")
    html = page.get_data(as_text=True)
    csp = page.headers["Content-Security-Policy"]
    (script,) = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    notes_js, chat_js = asset_text("notes.js"), asset_text("chat.js")
    assert "onShiftThreeTimes(quickExit)" in notes_js
    assert "function onShiftThreeTimes" in notes_js  # the include is in place
    assert script == notes_js
    script_src = next(part for part in csp.split("; ") if part.startswith("script-src"))
    assert script_src == f"script-src '{csp_hash(notes_js)}'"
    assert csp_hash(chat_js) not in csp
    assert "unsafe-inline" not in csp
    assert "connect-src 'none'" in csp
    # The chat's own pages are unchanged: they allow chat.js only.
    assert f"script-src '{csp_hash(chat_js)}'" in client.get("/").headers[
        "Content-Security-Policy"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_without_javascript_the_guide_says_its_exit_leaves_it_in_history(
        client: FlaskClient, language: str) -> None:
    html = client.get(f"/notes?lang={language}").get_data(as_text=True)
    noscript = html.split("<noscript>")[1].split("</noscript>")[0]
    assert 'id="notes-no-script"' in noscript
    assert "Shift" in noscript
    assert "safety.notes_no_script" not in noscript  # a text, in every language
    if language != "en":
        english = client.get("/notes?lang=en").get_data(as_text=True)
        assert noscript != english.split("<noscript>")[1].split("</noscript>")[0]
