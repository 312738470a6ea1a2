"""A case id no database can hold (issue 23, item 9) is an unknown case: 404, never a 500."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.staff import csrf_from, make_advocate, sign_in

pytestmark = pytest.mark.databases("sqlite", "postgresql")
HUGE_IDS = [2**31, 2**63, 2**64, 10**40]  # an Integer id is 32-bit on PostgreSQL


@pytest.fixture
def supervisor(app: Flask, client: FlaskClient) -> FlaskClient:
    sign_in(client, make_advocate(app, "lead@example.org", "supervisor"))
    return client


@pytest.mark.parametrize("case_id", HUGE_IDS)
@pytest.mark.parametrize("suffix", ["", "/manage"])
def test_a_page_for_an_id_no_database_holds_is_not_found(
    supervisor: FlaskClient, case_id: int, suffix: str
) -> None:
    response = supervisor.get(f"/advocates/cases/{case_id}{suffix}")
    assert response.status_code == 404


@pytest.mark.parametrize("case_id", HUGE_IDS)
@pytest.mark.parametrize("action", ["claim", "release", "reassign", "close", "window", "reply",
                                    "reply/preview"])
def test_an_action_on_an_id_no_database_holds_is_not_found(
    supervisor: FlaskClient, case_id: int, action: str
) -> None:
    token = csrf_from(supervisor, "/advocates/queue")
    response = supervisor.post(f"/advocates/cases/{case_id}/{action}",
                               data={"csrf_token": token, "text": "hello", "reason": "duplicate"})
    assert response.status_code == 404


def test_the_largest_id_a_database_holds_is_still_an_ordinary_unknown_case(
    supervisor: FlaskClient,
) -> None:
    assert supervisor.get(f"/advocates/cases/{2**31 - 1}").status_code == 404
