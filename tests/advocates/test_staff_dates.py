"""Dates typed on the staff pages (audit trail, case search, report) are the partnership's
calendar days, and a day no bound can be built from is refused, never a 500.

Found by using the pages (staff6's findings): `?to=9999-12-31` answered 500 on the audit trail,
its CSV, the search and the report (the day after it cannot be represented: OverflowError);
the audit trail filtered by UTC days while it shows London times; and the search's London-time
bounds were compared by SQLite as wall-clock digits, an hour off in summer.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import MovableClock
from tests.support.cases import latest_case
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")

# 00:30 on Tuesday 2 June 2026 in London (British Summer Time): still 1 June in UTC.
SUMMER_NIGHT = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize("path", ["/advocates/audit", "/advocates/audit.csv",
                                  "/advocates/search", "/advocates/report"])
@pytest.mark.parametrize("query", ["to=9999-12-31", "from=2026-01-01&to=9999-12-31"])
def test_the_last_day_of_the_calendar_is_refused_not_a_server_error(
        app: Flask, client: FlaskClient, path: str, query: str) -> None:
    sign_in(client, make_advocate(app, "s@example.org", "supervisor"))
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert "not" in response.get_data(as_text=True)  # "was not run", "was not used"...


def test_a_case_opened_in_the_first_hour_of_a_summer_day_is_found_on_that_day(
        app: Flask, client: FlaskClient, twilio: TwilioSigner, clock: MovableClock) -> None:
    clock.set(SUMMER_NIGHT)
    twilio.sms("person", sender="+447700900601")
    case = latest_case(twilio)
    sign_in(client, make_advocate(app, "ana@example.org"))

    def found(day: str) -> bool:
        page = client.get(f"/advocates/search?from={day}&to={day}").get_data(as_text=True)
        return f'data-case="{case}"' in page

    assert found("2026-06-02")
    assert not found("2026-06-01")


def test_the_audit_trail_filters_by_the_days_it_shows(
        app: Flask, client: FlaskClient, clock: MovableClock) -> None:
    clock.set(SUMMER_NIGHT)
    sign_in(client, make_advocate(app, "s@example.org", "supervisor"))
    client.get("/advocates/search?status=open")  # writes "cases.searched", shown at 00:30

    def listed(day: str) -> bool:
        page = client.get(f"/advocates/audit?from={day}&to={day}").get_data(as_text=True)
        return "cases.searched" in page

    page = client.get("/advocates/audit").get_data(as_text=True)
    assert "02 Jun 2026 00:30" in page
    assert listed("2026-06-02")
    assert not listed("2026-06-01")
