"""Finding a case (issue 20, item 6): by reference, status, priority, language and dates; case
facts only; audited without the terms; role rules as in app/staff/authz.py."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.services import services
from app.storage.models import AuditEvent
from tests.support.cases import claim, latest_case
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")

CANARY = "canary-search 4417 blue kettle"


def reference_of(app: Flask, case_id: int) -> str:
    with app.app_context():
        return services().casework.load(case_id).reference


def searched(app: Flask) -> list[AuditEvent]:
    with app.app_context(), services().database.session() as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "cases.searched")))


@pytest.fixture
def two_cases(app: Flask, twilio: TwilioSigner) -> tuple[int, int]:
    twilio.sms(CANARY, sender="+447700900501")
    twilio.sms("person", sender="+447700900501")
    routine = latest_case(twilio)
    twilio.sms("he has a knife and he is outside now", sender="+447700900502")
    urgent = latest_case(twilio)
    return routine, urgent


@pytest.mark.parametrize("role", ["advocate", "supervisor", "admin"])
def test_every_role_finds_a_case_by_its_reference_and_the_search_is_audited_without_it(
        app: Flask, client: FlaskClient, two_cases: tuple[int, int], role: str) -> None:
    routine, _urgent = two_cases
    reference = reference_of(app, routine)
    sign_in(client, make_advocate(app, "x@example.org", role))
    page = client.get(f"/advocates/search?reference={reference.lower()}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'data-case="{routine}"' in text
    assert text.count("<tr data-case=") == 1
    assert CANARY not in text
    (row,) = searched(app)
    assert reference not in f"{row.actor}{row.action}{row.purpose}{row.escalation_id}"


def test_search_by_priority_status_language_and_dates(
        app: Flask, client: FlaskClient, two_cases: tuple[int, int]) -> None:
    routine, urgent = two_cases
    sign_in(client, make_advocate(app, "ana@example.org"))
    claim(client, routine)

    def found(query: str) -> set[int]:
        text = client.get(f"/advocates/search?{query}").get_data(as_text=True)
        return {case for case in (routine, urgent) if f'data-case="{case}"' in text}

    assert found("priority=urgent") == {urgent}
    assert found("priority=routine") == {routine}
    assert found("status=claimed") == {routine}
    assert found("status=open") == {urgent}
    assert found("language=en") == {routine, urgent}
    assert found("language=pl") == set()
    with app.app_context():
        today = services().clock().date()
    assert found(f"from={today}&to={today}") == {routine, urgent}
    assert found("from=2020-01-01&to=2020-01-31") == set()


@pytest.mark.parametrize(("query", "says"), [
    ("reference=ABC", "8 letters and digits"),
    ("reference=%3Cscript%3E12", "8 letters and digits"),
    ("status=lost", "status"),
    ("priority=extreme", "priority"),
    ("language=xx", "language"),
    ("from=yesterday", "date"),
    ("from=2026-02-01&to=2026-01-01", "before"),
])
def test_unusable_terms_are_refused_with_a_reason_and_nothing_is_audited(
        app: Flask, client: FlaskClient, query: str, says: str) -> None:
    sign_in(client, make_advocate(app, "ana@example.org"))
    response = client.get(f"/advocates/search?{query}")
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)
    assert searched(app) == []


def test_an_advocate_gets_no_open_link_to_a_case_they_do_not_hold(
        app: Flask, client: FlaskClient, two_cases: tuple[int, int]) -> None:
    routine, urgent = two_cases
    sign_in(client, make_advocate(app, "ana@example.org"))
    claim(client, routine)
    text = client.get("/advocates/search?language=en").get_data(as_text=True)
    assert f'href="/advocates/cases/{routine}"' in text
    assert f'href="/advocates/cases/{urgent}"' not in text


def test_signed_out_search_goes_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/advocates/search?reference=ABCDEFGH")
    assert response.status_code == 302
    assert "/advocates/login" in response.headers["Location"]
