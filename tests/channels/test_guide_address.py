"""The standalone guidance page's address names nothing (docs/threat-model.md, A1).

Once opened, the address is in the browser's history next to the cover site's. It was
`/safety`, which on a gardening or walking club's site would stand out; it is `/notes`, and
`/safety` is the plain 404 of any unknown address (no redirect: that too would be history).
"""

from __future__ import annotations

from flask.testing import FlaskClient


def test_the_guide_is_at_an_address_that_names_nothing(client: FlaskClient) -> None:
    page = client.get("/notes")
    assert page.status_code == 200
    assert "999" in page.get_data(as_text=True)


def test_the_old_address_is_an_unknown_page(client: FlaskClient) -> None:
    old, unknown = client.get("/safety"), client.get("/no-such-page")
    assert old.status_code == 404
    assert old.get_data() == unknown.get_data()
