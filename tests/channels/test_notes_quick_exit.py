"""The standalone guidance page (`/notes`) has a quick exit too (found by survivor6: it showed
the helpline and the words of abuse in full with no way off the screen but the browser's own).

The page works without JavaScript, so its quick exit is a plain link to the deployment's exit
address: the first link on the page (one Tab away), in every language, sending no referrer.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

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
