"""Staff pages name an icon of their own: before, Chromium asked for /favicon.ico on every staff
page and got a 404. The icon must reveal nothing (no letter, no name) and must not be the
survivor-facing cover site's, whose icon is drawn from the cover (app/channels/webchat.py)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

ICON = re.compile(r'<link rel="icon" href="([^"]+)"')


def test_staff_pages_name_a_plain_icon_that_is_served(advocate: FlaskClient,
                                                      client: FlaskClient) -> None:
    for path in ("/advocates/queue", "/advocates/shift"):
        (href,) = ICON.findall(advocate.get(path).get_data(as_text=True))
        assert href == "/advocates/static/icon.svg"
    (signed_out,) = ICON.findall(client.get("/advocates/login").get_data(as_text=True))
    answer = client.get(signed_out)  # served before sign-in too: the login page names it
    with answer:  # a static file is streamed: close it
        assert answer.status_code == 200
        assert answer.mimetype == "image/svg+xml"
        icon = answer.get_data(as_text=True)
    assert "<text" not in icon
    assert "Quietline" not in icon


def test_the_survivor_pages_keep_their_cover_icon(client: FlaskClient) -> None:
    (cover,) = ICON.findall(client.get("/").get_data(as_text=True))
    assert cover.startswith("data:image/svg+xml,")
    assert "advocates" not in cover
