"""The partnership report over a seeded month, checked against figures computed here."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.reporting import figures as report
from app.reporting.suppression import protected
from tests.conftest import MovableClock
from tests.support.cases import claim, close_case, latest_case, send_reply
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
# November 2026: London is on GMT, so these UTC times are also local times.
WEB = ([("pl", datetime(2026, 11, 2, 10, n, tzinfo=UTC)) for n in range(8)]
       + [("ar", datetime(2026, 11, 3, 11, n, tzinfo=UTC)) for n in range(3)]
       + [("en", datetime(2026, 11, 4, 15, n, tzinfo=UTC)) for n in range(9)])
# Requests for a person: five on Saturday 7th (out of hours), two on Tuesday 10th at 10:00.
SMS = ([datetime(2026, 11, 7, 14, 10 * n, tzinfo=UTC) for n in range(5)]
       + [datetime(2026, 11, 10, 10, n, tzinfo=UTC) for n in range(2)])
WAITS = [5, 10, 20, 30, 60]  # minutes to the first advocate reply, for the first five cases
OUTSIDE = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a contact the range must leave out


@pytest.fixture
def month(app: Flask, client: FlaskClient, twilio: TwilioSigner, clock: MovableClock) -> None:
    survivor = app.test_client()
    for n, (language, moment) in enumerate(WEB):
        clock.set(moment)
        token = survivor.post("/chat/start").get_json()["token"]
        survivor.post("/chat/send", json={"token": token, "id": f"{n:032x}",
                                          "text": "Dzień dobry" if language == "pl" else "hi",
                                          "language": language})
    advocate = make_advocate(app, "a@example.org")
    for n, moment in enumerate(SMS):
        clock.set(moment)
        twilio.sms("person", sender=f"+4477009003{n:02d}")
        case_id = latest_case(twilio)
        if n < len(WAITS):
            clock.set(moment + timedelta(minutes=WAITS[n]))
            staff = app.test_client()
            sign_in(staff, advocate)
            claim(staff, case_id)
            send_reply(staff, case_id, "Hello, this is Sam.")
            assert close_case(staff, case_id, held="send").status_code == 302
    clock.set(OUTSIDE)
    twilio.sms("person", sender="+447700900399")
    clock.set(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))


def run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["report", *args])
    return result.exit_code, result.output


def test_the_report_matches_the_seeded_month(app: Flask, month: None) -> None:
    code, output = run(app, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json")
    assert code == 0, output
    figures = json.loads(output)
    days = Counter(m.strftime("%A") for m in [m for _, m in WEB] + SMS)
    assert figures["contacts_by_channel"] == {"sms": len(SMS), "web": len(WEB)}
    assert figures["contacts_by_day"] == protected({day: days[day] for day in report.DAYS}, 5)
    assert figures["contacts_by_language"]["pl"] == 8
    assert figures["contacts_by_language"]["ar"] == "suppressed"  # 3 < 5: could single out
    # ... and so is the next smallest, or Arabic would be the total minus the rest.
    assert list(figures["contacts_by_language"].values()).count("suppressed") >= 2
    assert figures["escalations_by_priority"] == {"routine": len(SMS), "high": 0, "urgent": 0}
    assert figures["escalations_by_reason"] == {"asked_for_person": len(SMS)}
    assert figures["figures"]["contacts"] == len(WEB) + len(SMS)
    # 5 of 7 out of hours: the share would give away the 2 in hours, so it is suppressed.
    assert figures["figures"]["out_of_hours_share"] == "suppressed"
    assert figures["figures"]["first_human_reply_median"] == "15 to 60 minutes"  # the 20
    # 2 still open, 5 supported, 7 in all: hiding the 2 alone would not hide it; both go.
    assert figures["outcomes"] == {"open": "suppressed", "supported": "suppressed"}
    assert "+44" not in output


def test_csv_has_one_row_per_cell_and_no_identifiers(app: Flask, month: None) -> None:
    code, output = run(app, "--from", "2026-11-01", "--to", "2026-11-30")
    assert code == 0, output
    rows = output.splitlines()
    assert rows[0] == "section,category,value"
    assert "contacts_by_channel,sms,7" in rows
    assert "contacts_by_hour,03:00,0" in rows
    assert not any("@" in row or "+44" in row for row in rows)


def test_a_higher_threshold_suppresses_more(app: Flask, month: None) -> None:
    _code, output = run(app, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json",
                        "--threshold", "10")
    figures = json.loads(output)
    assert figures["contacts_by_language"]["pl"] == "suppressed"
    assert figures["figures"]["first_human_reply_median"] == "suppressed"


@pytest.mark.parametrize(("start", "end", "why"), [
    ("2026-11-31", "2026-12-01", "dates must look like"),
    ("2026-11-30", "2026-11-01", "before --from"),
    ("2027-06-01", "2027-06-30", "in the future"),
])
def test_unusable_dates_are_refused_with_a_reason(app: Flask, clock: MovableClock,
                                                  start: str, end: str, why: str) -> None:
    clock.set(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))
    code, output = run(app, "--from", start, "--to", end)
    assert code != 0
    assert why in output


def test_a_month_is_over_in_london_in_the_first_hour_of_a_bst_day(
        app: Flask, clock: MovableClock) -> None:
    clock.set(datetime(2027, 3, 31, 22, 30, tzinfo=UTC))  # 23:30 BST on 31 March in London
    code, output = run(app, "--from", "2027-03-01", "--to", "2027-03-31")
    assert code != 0
    assert "not over yet" in output
    clock.set(datetime(2027, 3, 31, 23, 30, tzinfo=UTC))  # 00:30 BST on 1 April in London
    code, output = run(app, "--from", "2027-03-01", "--to", "2027-03-31")
    assert code == 0, output
    code, output = run(app, "--from", "2027-04-02", "--to", "2027-04-02")
    assert "in the future" in output


@pytest.mark.parametrize(("start", "end"), [
    ("2026-11-01", "2026-11-29"),  # November minus this is 30 November's counts
    ("2026-11-02", "2026-11-30"),
    ("2026-11-30", "2026-11-30"),
    ("2026-10-01", "2026-11-30"),  # two months: minus November, October's
    ("2026-11-15", "2026-12-14"),
])
def test_only_one_whole_month_is_reported_so_no_two_reports_subtract_to_a_few_days(
        app: Flask, clock: MovableClock, start: str, end: str) -> None:
    clock.set(datetime(2026, 12, 20, 9, 0, tzinfo=UTC))
    code, output = run(app, "--from", start, "--to", end)
    assert code != 0
    assert "one whole calendar month" in output


def test_the_month_in_progress_is_refused_so_a_days_counts_cannot_be_subtracted(
        app: Flask, clock: MovableClock) -> None:
    clock.set(datetime(2026, 12, 20, 9, 0, tzinfo=UTC))
    code, output = run(app, "--from", "2026-12-01", "--to", "2026-12-31")
    assert code != 0
    assert "not over yet" in output


def test_an_empty_range_reports_zeros(app: Flask, clock: MovableClock) -> None:
    clock.set(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))
    code, output = run(app, "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json")
    assert code == 0
    figures = json.loads(output)
    assert figures["figures"]["contacts"] == 0
    assert figures["figures"]["out_of_hours_share"] == "suppressed"
    assert set(figures["contacts_by_channel"].values()) == {0}


@pytest.mark.parametrize(("role", "status"), [("advocate", 403), ("supervisor", 200),
                                              ("admin", 200)])
def test_the_report_page_is_for_supervisors_and_admins(
        app: Flask, month: None, role: str, status: int) -> None:
    staff = app.test_client()
    member = make_advocate(app, f"{role}@example.org", role)
    sign_in(staff, member)
    page = staff.get("/advocates/report?from=2026-11-01&to=2026-11-30")
    assert page.status_code == status
    if status == 200:
        html = page.get_data(as_text=True)
        assert "<svg" in html
        assert "Language need" in html
        assert "suppressed" in html  # Arabic: 3 contacts
        assert "15 to 60 minutes" in html  # the median first reply
        assert "+44" not in html
        assert "unsafe-inline" not in page.headers["Content-Security-Policy"]


def test_the_report_page_refuses_bad_dates_with_a_reason(
        app: Flask, clock: MovableClock) -> None:
    clock.set(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))
    staff = app.test_client()
    member = make_advocate(app, "s@example.org", "supervisor")
    sign_in(staff, member)
    page = staff.get("/advocates/report?from=2026-12-31&to=2026-12-01")
    assert page.status_code == 400
    assert "The report was not made" in page.get_data(as_text=True)
    # Nor a few days: the page is held to whole months that are over, as `flask report` is.
    page = staff.get("/advocates/report?from=2026-11-02&to=2026-11-30")
    assert page.status_code == 400
    assert "one whole calendar month" in page.get_data(as_text=True)
