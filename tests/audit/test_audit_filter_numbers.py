"""A case number or a page mark too large for any row is refused or ignored, never a 500.

make soak's route fuzzer (issue 22) found /advocates/audit.csv?case=9223372036854775808 answered
500: SQLite's driver cannot bind an integer past 64 bits (OverflowError). No row's id is past
PostgreSQL's 32-bit integer, so a larger number is no case: the filter is refused (400), and the
trail page's `before` mark is ignored.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.staff import make_advocate, sign_in

pytestmark = pytest.mark.databases("sqlite", "postgresql")
TOO_LARGE = ("2147483648", "9223372036854775808", "9" * 40)


@pytest.mark.parametrize("number", TOO_LARGE)
@pytest.mark.parametrize("path", ["/advocates/audit", "/advocates/audit.csv"])
def test_a_case_number_no_row_can_have_is_refused(
        app: Flask, client: FlaskClient, path: str, number: str) -> None:
    sign_in(client, make_advocate(app, "s@example.org", "supervisor"))
    response = client.get(f"{path}?case={number}")
    assert response.status_code == 400
    assert "a case is its number" in response.get_data(as_text=True)


@pytest.mark.parametrize("number", TOO_LARGE)
def test_a_page_mark_no_row_can_have_is_ignored(
        app: Flask, client: FlaskClient, number: str) -> None:
    sign_in(client, make_advocate(app, "s@example.org", "supervisor"))
    assert client.get(f"/advocates/audit?before={number}").status_code == 200
