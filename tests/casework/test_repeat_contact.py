"""Repeat contact (issue 20, item 6): a case shows the earlier cases of the same contact that
were not erased (references, dates, outcomes, nothing said), and the report counts the share of
cases whose contact had one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.reporting import figures as report
from app.services import services
from app.storage.models import Escalation, ReportCount
from tests.conftest import MovableClock
from tests.support.cases import claim, latest_case
from tests.support.staff import csrf
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")

NUMBER = "+447700900411"
OTHER = "+447700900412"
CANARY = "canary-rc he found the other phone"


def close(advocate: FlaskClient, case_id: int) -> None:
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert advocate.post(f"/advocates/cases/{case_id}/close",
                         data={"csrf_token": csrf(page), "reason": "referred"}).status_code == 302


def case_page(advocate: FlaskClient, case_id: int) -> str:
    return advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)


def contact_tallies(app: Flask) -> dict[str, int]:
    with app.app_context(), services().database.session() as session:
        rows = session.scalars(select(ReportCount).where(ReportCount.measure == "case_contact"))
        totals: dict[str, int] = {}
        for row in rows:  # one counter per hour
            totals[row.category] = totals.get(row.category, 0) + row.count
        return totals


def test_a_second_case_from_the_same_number_shows_the_first_without_content(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, clock: MovableClock) -> None:
    twilio.sms(CANARY, sender=NUMBER)
    twilio.sms("person", sender=NUMBER)
    first = latest_case(twilio)
    claim(advocate, first)
    assert "No earlier case from this contact" in case_page(advocate, first)
    close(advocate, first)
    clock.advance(timedelta(days=3))
    twilio.sms("person", sender=OTHER)
    other = latest_case(twilio)
    twilio.sms("person", sender=NUMBER)
    second = latest_case(twilio)
    assert second not in (first, other)
    claim(advocate, second)
    page = case_page(advocate, second)
    earlier = page[page.index('id="earlier"'):page.index("</section>", page.index('id="earlier"'))]
    with app.app_context():
        first_reference = services().casework.load(first).reference
        other_reference = services().casework.load(other).reference
    assert first_reference in earlier
    assert "Referred to another service" in earlier
    assert other_reference not in earlier
    assert CANARY not in earlier
    assert contact_tallies(app) == {"first": 2, "repeat": 1}


def test_an_erased_earlier_case_is_not_shown_or_counted(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner) -> None:
    twilio.sms("person", sender=NUMBER)
    first = latest_case(twilio)
    with app.app_context():
        first_reference = services().casework.load(first).reference
    twilio.sms("delete", sender=NUMBER)
    assert "deleted" in twilio.sms("1", sender=NUMBER).get_data(as_text=True)
    twilio.sms("person", sender=NUMBER)
    second = latest_case(twilio)
    assert second != first
    claim(advocate, second)
    page = case_page(advocate, second)
    assert "No earlier case from this contact" in page
    assert first_reference not in page
    assert contact_tallies(app) == {"first": 2}


def test_the_report_shows_the_repeat_contact_share_and_says_what_it_means(
        app: Flask, twilio: TwilioSigner, clock: MovableClock) -> None:
    numbers = [f"+4477009005{index:02d}" for index in range(10)]
    for number in numbers:
        twilio.sms("person", sender=number)
    newest = latest_case(twilio)
    with app.app_context(), services().database.transaction() as connection:
        # Five of them are closed, and those five ask again: repeat contact.
        connection.execute(update(Escalation).where(Escalation.id > newest - 5)
                           .values(status="closed", closed_reason="supported"))
    for number in numbers[5:]:
        twilio.sms("person", sender=number)
    with app.app_context():
        day = clock().date()
        made = report.build(services().database, day, day, timezone="Europe/London")
    assert made.figures["repeat_contact_share"] == round(5 / 15, 3)
    assert "earlier case" in report.REPEAT_CONTACT


def test_a_repeat_contact_share_from_fewer_than_five_cases_is_suppressed(
        app: Flask, twilio: TwilioSigner, clock: MovableClock) -> None:
    numbers = [f"+4477009006{index:02d}" for index in range(6)]
    for number in numbers:
        twilio.sms("person", sender=number)
    newest = latest_case(twilio)
    with app.app_context(), services().database.transaction() as connection:
        connection.execute(update(Escalation).where(Escalation.id > newest - 2)
                           .values(status="closed", closed_reason="supported"))
    for number in numbers[4:]:
        twilio.sms("person", sender=number)
    with app.app_context():
        day = clock().date()
        made = report.build(services().database, day, day, timezone="Europe/London")
    assert made.figures["repeat_contact_share"] == report.SUPPRESSED  # 2 could single out
