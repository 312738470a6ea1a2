"""A NUL character in what staff type or a query string is refused (400), never a 500.

PostgreSQL's text cannot hold NUL (the driver raises before the query runs), so a NUL that
reaches a query or an insert was a 500 there and not on SQLite (staff6's findings)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.staff import PASSWORD, csrf_from, make_advocate, sign_in

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def test_a_nul_in_the_sign_in_email_is_refused(
        app: Flask, client: FlaskClient) -> None:
    advocate = make_advocate(app, "a@example.org")
    response = client.post("/advocates/login", data={
        "csrf_token": csrf_from(client), "email": "a@example.org\x00",
        "password": PASSWORD, "code": advocate.code()})
    assert response.status_code == 400
    assert client.get("/advocates/queue").status_code == 302  # not signed in


@pytest.mark.parametrize("query", ["action=%00", "actor=%00", "actor=a%00@example.org"])
def test_a_nul_in_an_audit_filter_is_refused(
        app: Flask, client: FlaskClient, query: str) -> None:
    sign_in(client, make_advocate(app, "s@example.org", "supervisor"))
    assert client.get(f"/advocates/audit?{query}").status_code == 400
    assert client.get(f"/advocates/audit.csv?{query}").status_code == 400


def test_a_nul_in_a_canned_reply_is_refused(
        app: Flask, client: FlaskClient) -> None:
    sign_in(client, make_advocate(app, "s@example.org", "supervisor"))
    token = csrf_from(client, "/advocates/canned")
    response = client.post("/advocates/canned/new", data={
        "csrf_token": token, "label": "Check\x00in", "language": "en",
        "text": "Hello\x00, checking in."})
    assert response.status_code == 400
    assert "Check" not in client.get("/advocates/canned").get_data(as_text=True)
