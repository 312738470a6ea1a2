"""The queue, claiming and reading cases: atomic claims, audited reads, roles."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.casework.desk import CaseConflict
from app.services import services
from app.staff.accounts import StaffMember
from app.storage.models import AuditEvent
from tests.conftest import MovableClock
from tests.support.cases import claim, open_case
from tests.support.staff import csrf, csrf_from, make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

# Storage-dependent: every test here runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.databases("sqlite", "postgresql")

CANARY = "canary-7f3a the bruises are from last night"


def audit_rows(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context(), services().database.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_request_for_a_person_appears_in_the_queue_without_content(
        app: Flask, client: FlaskClient, twilio: TwilioSigner) -> None:
    twilio.sms(CANARY)
    case_id = open_case(twilio)
    sign_in(client, make_advocate(app, "a@example.org"))
    data = client.get("/advocates/queue.json")
    assert data.status_code == 200
    cases = data.get_json()["cases"]
    assert [c["id"] for c in cases] == [case_id]
    assert cases[0]["reasons"] == ["asked_for_person"]
    assert cases[0]["channel"] == "sms"
    assert "canary" not in data.get_data(as_text=True)
    assert "+44" not in data.get_data(as_text=True)


def test_urgent_cases_come_first(app: Flask, client: FlaskClient, twilio: TwilioSigner) -> None:
    routine = open_case(twilio, "+447700900111")
    twilio.sms("he has a knife and said he will kill me", sender="+447700900222")
    sign_in(client, make_advocate(app, "a@example.org"))
    cases = client.get("/advocates/queue.json").get_json()["cases"]
    assert cases[0]["priority"] == "urgent"
    assert cases[-1]["id"] == routine


def test_two_advocates_claiming_at_once_exactly_one_wins_100_times(
        app: Flask, twilio: TwilioSigner) -> None:
    first, second = make_advocate(app, "a@example.org"), make_advocate(app, "b@example.org")
    members = [StaffMember(first.id, first.email, "advocate", 0),
               StaffMember(second.id, second.email, "advocate", 0)]
    for round_number in range(100):
        case_id = open_case(twilio, f"+4477009{round_number:05d}")
        outcomes: list[str] = []
        barrier = threading.Barrier(2)

        def claim(member: StaffMember, case_id: int = case_id,
                  barrier: threading.Barrier = barrier, outcomes: list[str] = outcomes) -> None:
            with app.app_context():
                barrier.wait()
                try:
                    services().casework.claim(case_id, member)
                    outcomes.append("won")
                except CaseConflict:
                    outcomes.append("lost")

        threads = [threading.Thread(target=claim, args=(m,)) for m in members]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["lost", "won"], f"round {round_number}"
    assert len(audit_rows(app, "case.claimed")) == 100


def test_the_loser_of_a_claim_is_told_and_the_claim_of_a_closed_case_is_refused(
        app: Flask, twilio: TwilioSigner) -> None:
    case_id = open_case(twilio)
    a, b = make_advocate(app, "a@example.org"), make_advocate(app, "b@example.org")
    first, second = app.test_client(), app.test_client()
    sign_in(first, a)
    sign_in(second, b)
    assert claim(first, case_id, fetch=True).status_code == 200
    lost = claim(second, case_id, fetch=True)
    assert lost.status_code == 409
    assert "Someone else claimed" in lost.get_json()["error"]
    page = first.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    first.post(f"/advocates/cases/{case_id}/close",
               data={"csrf_token": csrf(page), "reason": "supported"})
    closed = claim(second, case_id, fetch=True)
    assert closed.status_code == 409
    assert "closed" in closed.get_json()["error"]


def test_an_advocate_who_has_not_claimed_a_case_gets_403_on_its_transcript(
        app: Flask, client: FlaskClient, twilio: TwilioSigner) -> None:
    twilio.sms(CANARY)
    case_id = open_case(twilio)
    sign_in(client, make_advocate(app, "a@example.org"))
    response = client.get(f"/advocates/cases/{case_id}")
    assert response.status_code == 403
    assert "canary" not in response.get_data(as_text=True)
    assert audit_rows(app, "transcript.viewed") == []


def test_each_viewing_session_adds_one_audit_row_without_text(
        app: Flask, client: FlaskClient, twilio: TwilioSigner, clock: MovableClock) -> None:
    """Reloading the page in the same staff session adds no row (issue 20, item 1); signing
    in again starts a new viewing, with a row of its own."""
    twilio.sms(CANARY)
    case_id = open_case(twilio)
    advocate = make_advocate(app, "a@example.org")
    sign_in(client, advocate)
    claim(client, case_id)
    for _reload in (1, 2, 3):
        page = client.get(f"/advocates/cases/{case_id}")
        assert page.status_code == 200
        assert CANARY in page.get_data(as_text=True)
        assert len(audit_rows(app, "transcript.viewed")) == 1
    clock.advance(timedelta(seconds=60))  # a fresh authenticator code for the second sign-in
    other_session = app.test_client()
    sign_in(other_session, advocate)
    assert CANARY in other_session.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    rows = audit_rows(app, "transcript.viewed")
    assert len(rows) == 2
    for row in rows:
        assert row.actor == f"advocate:{advocate.id}"
        assert row.escalation_id == case_id
        assert "canary" not in f"{row.actor}{row.action}{row.purpose}"
    # The phone number is never shown, only the short reference.
    assert "+447700900123" not in page.get_data(as_text=True)


def test_a_supervisor_reads_another_advocates_case_only_with_a_stated_purpose(
        app: Flask, twilio: TwilioSigner) -> None:
    twilio.sms(CANARY)
    case_id = open_case(twilio)
    with app.app_context():
        holder = make_advocate(app, "a@example.org")
        services().casework.claim(case_id, StaffMember(holder.id, holder.email, "advocate", 0))
    supervisor = app.test_client()
    sign_in(supervisor, make_advocate(app, "s@example.org", "supervisor"))
    asked = supervisor.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert "Say why" in asked
    assert "canary" not in asked
    assert supervisor.get(f"/advocates/cases/{case_id}?purpose=curious").status_code == 200
    assert "canary" not in supervisor.get(
        f"/advocates/cases/{case_id}?purpose=curious").get_data(as_text=True)
    read = supervisor.get(f"/advocates/cases/{case_id}?purpose=safeguarding")
    assert CANARY in read.get_data(as_text=True)
    assert [r.purpose for r in audit_rows(app, "transcript.viewed")] == ["safeguarding"]


def test_survivor_text_is_escaped_on_the_case_page(
        app: Flask, client: FlaskClient, twilio: TwilioSigner) -> None:
    twilio.sms('<script>alert(1)</script><a href="javascript:alert(2)">x</a>')
    case_id = open_case(twilio)
    sign_in(client, make_advocate(app, "a@example.org"))
    claim(client, case_id)
    page = client.get(f"/advocates/cases/{case_id}")
    html = page.get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert 'href="javascript:' not in html
    assert "&lt;script&gt;" in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize(("role", "can_claim"), [("advocate", True), ("supervisor", True),
                                                 ("admin", False)])
def test_who_may_claim(app: Flask, twilio: TwilioSigner, role: str, can_claim: bool) -> None:
    case_id = open_case(twilio)
    client = app.test_client()
    sign_in(client, make_advocate(app, f"{role}@example.org", role))
    response = claim(client, case_id, fetch=True)
    assert (response.status_code == 200) is can_claim


def test_a_supervisor_reassigns_and_releases_without_reading_the_case(
        app: Flask, twilio: TwilioSigner) -> None:
    twilio.sms(CANARY)
    case_id = open_case(twilio)
    holder = make_advocate(app, "a@example.org")
    other = make_advocate(app, "b@example.org")
    with app.app_context():
        services().casework.claim(case_id, StaffMember(holder.id, holder.email, "advocate", 0))
    supervisor = app.test_client()
    sign_in(supervisor, make_advocate(app, "s@example.org", "supervisor"))
    page = supervisor.get(f"/advocates/cases/{case_id}/manage")
    assert page.status_code == 200
    assert "canary" not in page.get_data(as_text=True)
    token = csrf(page.get_data(as_text=True))
    supervisor.post(f"/advocates/cases/{case_id}/reassign",
                    data={"csrf_token": token, "to": other.email})
    with app.app_context():
        assert services().casework.load(case_id).claimed_by == other.id
    supervisor.post(f"/advocates/cases/{case_id}/release", data={"csrf_token": token})
    with app.app_context():
        record = services().casework.load(case_id)
    assert (record.status, record.claimed_by) == ("open", None)
    assert audit_rows(app, "transcript.viewed") == []
    assert len(audit_rows(app, "case.reassigned")) == len(audit_rows(app, "case.released")) == 1


def test_an_advocate_cannot_manage_or_release_someone_elses_case(
        app: Flask, twilio: TwilioSigner) -> None:
    case_id = open_case(twilio)
    holder = make_advocate(app, "a@example.org")
    with app.app_context():
        services().casework.claim(case_id, StaffMember(holder.id, holder.email, "advocate", 0))
    other = app.test_client()
    sign_in(other, make_advocate(app, "b@example.org"))
    assert other.get(f"/advocates/cases/{case_id}/manage").status_code == 403
    token = csrf_from(other, "/advocates/queue")
    assert other.post(f"/advocates/cases/{case_id}/release",
                      data={"csrf_token": token}).status_code == 403
    with app.app_context():
        assert services().casework.load(case_id).claimed_by == holder.id


def test_an_admin_sees_the_queue_but_never_a_transcript(
        app: Flask, client: FlaskClient, twilio: TwilioSigner) -> None:
    twilio.sms(CANARY)
    case_id = open_case(twilio)
    sign_in(client, make_advocate(app, "admin@example.org", "admin"))
    cases = client.get("/advocates/queue.json").get_json()["cases"]
    assert cases[0]["can_claim"] is False
    assert cases[0]["manage_url"].endswith(f"/cases/{case_id}/manage")
    for purpose in ("", "?purpose=safeguarding"):
        response = client.get(f"/advocates/cases/{case_id}{purpose}")
        assert response.status_code == 403
        assert "canary" not in response.get_data(as_text=True)


def test_reassigning_to_an_unknown_advocate_is_refused_and_nothing_changes(
        app: Flask, twilio: TwilioSigner) -> None:
    case_id = open_case(twilio)
    supervisor = app.test_client()
    sign_in(supervisor, make_advocate(app, "s@example.org", "supervisor"))
    token = csrf_from(supervisor, "/advocates/queue")
    response = supervisor.post(f"/advocates/cases/{case_id}/reassign",
                               data={"csrf_token": token, "to": "nobody@example.org"})
    assert response.status_code == 400
    assert "Choose an advocate" in response.get_data(as_text=True)
    with app.app_context():
        assert services().casework.load(case_id).status == "open"
