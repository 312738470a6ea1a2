"""Handing a case to a colleague with a note (issue 20, item 6): only to someone on shift, the
note sealed like a message and shown to the receiver, audited without content, destroyed by
erasure; and the shift summary of cases held, with no content."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.services import services
from app.storage.models import AuditEvent, HandoverNote
from tests.conftest import MovableClock
from tests.support.cases import claim, open_case, reply_rows, send_reply
from tests.support.staff import TestAdvocate, csrf, make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")
NOTE = "Marigold harbour 5520: she prefers texts after 6pm, ask about the appointment"


def signed_in(app: Flask, email: str, role: str = "advocate") -> tuple[FlaskClient,
                                                                       TestAdvocate]:
    client = app.test_client()
    member = make_advocate(app, email, role)
    assert sign_in(client, member).status_code == 302
    return client, member


def transfer(client: FlaskClient, case_id: int, to: str, note: str = NOTE) -> int:
    page = client.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    return client.post(f"/advocates/cases/{case_id}/transfer",
                       data={"csrf_token": csrf(page), "to": to, "note": note}).status_code


def holder(app: Flask, case_id: int) -> int | None:
    with app.app_context():
        return services().casework.load(case_id).claimed_by


def audit_rows(app: Flask) -> list[tuple[str, str, str | None]]:
    with app.app_context(), services().database.session() as session:
        return [(a.actor, a.action, a.purpose) for a in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case.transferred"))]


def test_an_advocate_hands_a_case_to_a_colleague_on_shift_who_reads_the_note(
        app: Flask, twilio: TwilioSigner, advocate: FlaskClient) -> None:
    case_id = open_case(twilio)
    claim(advocate, case_id)
    colleague, bea = signed_in(app, "bea@example.org")
    assert transfer(advocate, case_id, bea.email) == 302
    assert holder(app, case_id) == bea.id
    page = colleague.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert NOTE.replace("'", "&#39;") in page
    assert "a@example.org handed the case to bea@example.org" in page
    # The giver no longer reads it, and the audit row names who and what, never the note.
    assert advocate.get(f"/advocates/cases/{case_id}").status_code == 403
    (row,) = audit_rows(app)
    assert row[1:] == ("case.transferred", None)


def test_the_note_is_sealed_at_rest_and_in_no_log(
        app: Flask, twilio: TwilioSigner, advocate: FlaskClient, database_path: Path,
        database_kind: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    case_id = open_case(twilio)
    claim(advocate, case_id)
    _colleague, bea = signed_in(app, "bea@example.org")
    assert transfer(advocate, case_id, bea.email) == 302
    assert "Marigold" not in caplog.text
    if database_kind == "sqlite":
        with app.app_context(), services().database.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        assert b"Marigold harbour" not in database_path.read_bytes()
    with app.app_context(), services().database.session() as session:
        (sealed,) = session.scalars(select(HandoverNote.note_sealed))
    assert sealed is not None
    assert b"Marigold" not in sealed


@pytest.mark.parametrize("why", ["not signed in", "disabled", "themselves", "no note",
                                 "an admin"])
def test_a_case_is_not_handed_to_someone_who_would_not_answer_it(
        app: Flask, twilio: TwilioSigner, advocate: FlaskClient, why: str) -> None:
    case_id = open_case(twilio)
    claim(advocate, case_id)
    note = NOTE
    if why == "not signed in":
        to = make_advocate(app, "away@example.org").email
    elif why == "disabled":
        _client, gone = signed_in(app, "gone@example.org")
        with app.app_context():
            services().accounts.set_active(gone.email, False)
        to = gone.email
    elif why == "themselves":
        to = "a@example.org"
    elif why == "an admin":
        to = signed_in(app, "boss@example.org", "admin")[1].email
    else:
        to, note = signed_in(app, "bea@example.org")[1].email, "  "
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    if why != "no note":
        assert f"<option>{to}</option>" not in page  # not offered...
    response = advocate.post(f"/advocates/cases/{case_id}/transfer",
                             data={"csrf_token": csrf(page), "to": to, "note": note})
    assert response.status_code == 409  # ...and refused when sent anyway
    assert holder(app, case_id) == make_id(app, "a@example.org")
    assert audit_rows(app) == []


def make_id(app: Flask, email: str) -> int:
    with app.app_context():
        found = services().accounts.find(email)
    assert found is not None
    return found.id


def test_only_the_holder_or_a_supervisor_hands_a_case_over(
        app: Flask, twilio: TwilioSigner, advocate: FlaskClient) -> None:
    case_id = open_case(twilio)
    claim(advocate, case_id)
    other, _ = signed_in(app, "bea@example.org")
    admin, _ = signed_in(app, "admin@example.org", "admin")
    token = csrf(other.get("/advocates/queue").get_data(as_text=True))
    for client in (other, admin):
        response = client.post(f"/advocates/cases/{case_id}/transfer",
                               data={"csrf_token": token if client is other else csrf(
                                   client.get("/advocates/queue").get_data(as_text=True)),
                                   "to": "bea@example.org", "note": NOTE})
        assert response.status_code in (403, 409)
    supervisor, _ = signed_in(app, "sue@example.org", "supervisor")
    page = supervisor.get(f"/advocates/cases/{case_id}?purpose=covering").get_data(
        as_text=True)
    assert supervisor.post(f"/advocates/cases/{case_id}/transfer", data={
        "csrf_token": csrf(page), "to": "bea@example.org", "note": NOTE}).status_code == 302
    assert holder(app, case_id) == make_id(app, "bea@example.org")


def test_a_supervisor_handed_a_case_back_still_states_a_purpose_to_read_it(
        app: Flask, twilio: TwilioSigner) -> None:
    """Claimed by the supervisor, handed to a colleague, handed back: what the colleague did
    meanwhile is not hers to read without a purpose (the transfer is a handling action)."""
    case_id = open_case(twilio)
    supervisor, sue = signed_in(app, "sue@example.org", "supervisor")
    colleague, bea = signed_in(app, "bea@example.org")
    claim(supervisor, case_id)
    assert transfer(supervisor, case_id, bea.email) == 302
    assert transfer(colleague, case_id, sue.email) == 302
    assert holder(app, case_id) == sue.id
    assert "Purpose" in supervisor.get(f"/advocates/cases/{case_id}").get_data(as_text=True)


def test_erasure_destroys_the_handover_notes_with_the_conversation(
        app: Flask, twilio: TwilioSigner, advocate: FlaskClient) -> None:
    case_id = open_case(twilio)
    claim(advocate, case_id)
    _colleague, bea = signed_in(app, "bea@example.org")
    assert transfer(advocate, case_id, bea.email) == 302
    twilio.sms("delete")
    twilio.sms("1")
    with app.app_context(), services().database.session() as session:
        assert session.scalar(select(func.count()).select_from(HandoverNote)) == 0


def test_the_shift_summary_lists_the_cases_held_with_times_and_counts_only(
        app: Flask, twilio: TwilioSigner, advocate: FlaskClient, clock: MovableClock) -> None:
    mine = open_case(twilio, sender="+447700900301")
    claim(advocate, mine)
    send_reply(advocate, mine, "Hello, is now a good time for a text?")
    clock.advance(timedelta(minutes=2))
    twilio.sms("Quince meadow 3390 yes it is", sender="+447700900301")
    colleague, bea = signed_in(app, "bea@example.org")
    theirs = open_case(twilio, sender="+447700900302")
    claim(colleague, theirs)
    page = advocate.get("/advocates/shift").get_data(as_text=True)
    with app.app_context():
        mine_ref = services().casework.load(mine).reference
        theirs_ref = services().casework.load(theirs).reference
    assert mine_ref in page
    assert theirs_ref not in page
    assert "Quince" not in page
    assert "since " in page  # the survivor's last message has no reply yet
    assert len(reply_rows(app)) == 1
    # Everyone's cases: a supervisor's view, refused to an advocate.
    assert advocate.get("/advocates/shift?everyone=1").status_code == 403
    supervisor, _ = signed_in(app, "sue@example.org", "supervisor")
    everyone = supervisor.get("/advocates/shift?everyone=1").get_data(as_text=True)
    assert mine_ref in everyone
    assert theirs_ref in everyone
    assert bea.email in everyone


def test_the_giver_and_the_receiver_are_told_of_the_handover_and_that_the_survivor_was_not(
        app: Flask, twilio: TwilioSigner, advocate: FlaskClient) -> None:
    case_id = open_case(twilio)
    claim(advocate, case_id)
    colleague, bea = signed_in(app, "bea@example.org")
    outsider, _ = signed_in(app, "cy@example.org")
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    sent_before = len(reply_rows(app))
    given = advocate.post(f"/advocates/cases/{case_id}/transfer",
                          data={"csrf_token": csrf(page), "to": bea.email, "note": NOTE})
    assert given.headers["Location"] == f"/advocates/shift?handed={case_id}"
    with app.app_context():
        reference = services().casework.load(case_id).reference
    shift = advocate.get(given.headers["Location"]).get_data(as_text=True)
    assert f"You handed case {reference} to bea@example.org at" in shift
    assert "The survivor was not told" in shift
    assert len(reply_rows(app)) == sent_before  # and truly nothing went to them
    told = colleague.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert 'id="handed-to-you"' in told
    assert "a@example.org handed this case to you at" in told
    # Someone who neither gave nor received it learns nothing from the address.
    assert 'id="handed"' not in outsider.get(f"/advocates/shift?handed={case_id}").get_data(
        as_text=True)
