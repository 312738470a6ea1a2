"""The survivors' pages name fonts for every script they show (issue 19, item 5).

A font-family list that names no font for Gurmukhi leaves Punjabi to whatever the system
falls back to, which on a stock Debian is nothing (empty boxes). The browser suite checks the
rendering (tests/browser/test_webchat_fonts.py); this checks the names are in the page.
"""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize(("language", "families"), [
    ("pa", ['"Noto Sans Gurmukhi"']),
    ("ar", ['"Noto Naskh Arabic"', '"Noto Sans Arabic"']),
    ("ur", ['"Noto Nastaliq Urdu"']),
])
@pytest.mark.parametrize("path", ["/", "/notes"])
def test_each_script_has_its_noto_family_named_first(client: FlaskClient, path: str,
                                                     language: str, families: list[str]) -> None:
    style = client.get(path).get_data(as_text=True).split("<style>")[1].split("</style>")[0]
    rule = re.search(rf":lang\({language}\)\s*{{\s*font-family:\s*([^;]+);", style)
    assert rule is not None, f"no font-family for :lang({language})"
    named = [name.strip() for name in rule.group(1).split(",")]
    assert named[:len(families)] == families
    assert named[-1] == "var(--sans)"
