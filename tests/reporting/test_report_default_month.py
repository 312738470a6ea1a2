"""`flask report` without --from/--to reports the last full calendar month, in the deployment's
time zone (the demo deployment's is Europe/London), by the app's clock."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import pytest
from click.testing import Result
from flask import Flask

from app.reporting import figures as report
from tests.conftest import MovableClock

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["report", "--format", "json", *args])


def web_contact(app: Flask, clock: MovableClock, moment: datetime) -> None:
    clock.set(moment)
    survivor = app.test_client()
    # The page's message id is the provider id the webhook de-duplicates on: one per message.
    token = survivor.post("/chat/start").get_json()["token"]
    answer = survivor.post("/chat/send", json={"token": token, "id": uuid.uuid4().hex, "text": "hi",
                                               "language": "en"})
    assert answer.status_code == 200, answer.get_data(as_text=True)


@pytest.mark.parametrize(("now", "first", "last"), [
    (datetime(2026, 12, 5, 9, 0, tzinfo=UTC), date(2026, 11, 1), date(2026, 11, 30)),
    (datetime(2027, 1, 10, 9, 0, tzinfo=UTC), date(2026, 12, 1), date(2026, 12, 31)),
    (datetime(2028, 3, 1, 12, 0, tzinfo=UTC), date(2028, 2, 1), date(2028, 2, 29)),
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST): June is over there.
    (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), date(2026, 6, 1), date(2026, 6, 30)),
    # 23:30 UTC on 31 October is still 31 October in London (GMT again): September.
    (datetime(2026, 10, 31, 23, 30, tzinfo=UTC), date(2026, 9, 1), date(2026, 9, 30)),
])
def test_last_full_month_is_counted_in_the_deployments_time_zone(
        now: datetime, first: date, last: date) -> None:
    assert report.last_full_month(now, "Europe/London") == (first, last)


def test_without_dates_the_report_covers_the_last_full_month(
        app: Flask, clock: MovableClock) -> None:
    web_contact(app, clock, datetime(2026, 10, 31, 12, 0, tzinfo=UTC))
    for day in (1, 15, 30):
        web_contact(app, clock, datetime(2026, 11, day, 12, 0, tzinfo=UTC))
    web_contact(app, clock, datetime(2026, 12, 1, 0, 30, tzinfo=UTC))
    clock.set(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))

    result = run(app, "--threshold", "2")

    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert (figures["from"], figures["to"]) == ("2026-11-01", "2026-11-30")
    assert figures["contacts_by_channel"]["web"] == 3
    assert "2026-11-01 to 2026-11-30" in result.stderr
    explicit = run(app, "--threshold", "2", "--from", "2026-11-01", "--to", "2026-11-30")
    assert explicit.stdout == result.stdout


def test_the_default_follows_the_clock_across_midnight_in_london(
        app: Flask, clock: MovableClock) -> None:
    clock.set(datetime(2026, 6, 30, 23, 30, tzinfo=UTC))  # 00:30 on 1 July, BST
    result = run(app)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert (figures["from"], figures["to"]) == ("2026-06-01", "2026-06-30")


@pytest.mark.parametrize("given", [("--from", "2026-11-01"), ("--to", "2026-11-30")])
def test_one_end_of_the_range_alone_is_refused(app: Flask, clock: MovableClock,
                                               given: tuple[str, str]) -> None:
    clock.set(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))
    result = run(app, *given)
    assert result.exit_code != 0
    assert "both --from and --to" in result.output
