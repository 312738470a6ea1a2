"""Case notes (issue 20, item 2): added by whoever may work the case, shown with author and
time, sealed, audited without content, destroyed by the survivor's erasure (the tombstone
counts them) unless the deployment keeps them, and always by retention."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.services import services
from app.storage import case_records
from app.storage.models import CaseNote, CaseRecordKey, Escalation, Referral
from tests.conftest import MovableClock
from tests.support.cases import claim, open_case
from tests.support.records import audit_rows, deployment_with, erase_by_sms
from tests.support.staff import csrf, make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")
NOTE = "Called back at 18:10.\nShe is staying with her sister until Friday."


def add_note(staff: FlaskClient, case_id: int, text: str, purpose: str | None = None
             ) -> int:
    query = f"?purpose={purpose}" if purpose else ""
    page = staff.get(f"/advocates/cases/{case_id}{query}").get_data(as_text=True)
    data = {"csrf_token": csrf(page), "note": text}
    if purpose:
        data["purpose"] = purpose
    return staff.post(f"/advocates/cases/{case_id}/notes", data=data).status_code


def note_count(app: Flask) -> int:
    with app.app_context(), services().database.session() as session:
        return int(session.scalar(select(func.count()).select_from(CaseNote)) or 0)


@pytest.fixture
def held(advocate: FlaskClient, twilio: TwilioSigner) -> int:
    """A case the signed-in advocate (a@example.org) holds."""
    case_id = open_case(twilio)
    assert claim(advocate, case_id).status_code == 302
    return case_id


def test_a_note_added_shows_on_the_case_page_with_its_author_and_time(
        advocate: FlaskClient, held: int) -> None:
    assert add_note(advocate, held, NOTE) == 302
    page = advocate.get(f"/advocates/cases/{held}").get_data(as_text=True)
    assert "She is staying with her sister until Friday." in page
    assert "a@example.org, <time" in page
    assert "Tue 01 Dec 10:00" in page  # the note's time, in the partnership's time zone


def test_adding_and_reading_notes_is_audited_without_content(
        app: Flask, advocate: FlaskClient, held: int) -> None:
    add_note(advocate, held, NOTE)
    advocate.get(f"/advocates/cases/{held}")
    rows = audit_rows(app, "note.added", "notes.read")
    assert [row.action for row in rows] == ["note.added", "notes.read"]
    assert all(row.escalation_id == held and row.purpose is None for row in rows)
    for row in audit_rows(app):
        assert "sister" not in " ".join(str(v) for v in vars(row).values())


def test_no_read_is_audited_while_there_is_no_note(
        app: Flask, advocate: FlaskClient, held: int) -> None:
    advocate.get(f"/advocates/cases/{held}")
    assert audit_rows(app, "notes.read") == []


def test_the_note_is_sealed_bound_to_its_row(app: Flask, advocate: FlaskClient,
                                             held: int) -> None:
    add_note(advocate, held, NOTE)
    with app.app_context(), services().database.session() as session:
        note = session.scalars(select(CaseNote)).one()
        assert b"sister" not in note.body_sealed
        assert note.sealed_under == "conversation"
        assert note.conversation_id is not None


def test_an_empty_note_is_refused_and_nothing_is_stored(
        app: Flask, advocate: FlaskClient, held: int) -> None:
    assert add_note(advocate, held, "   \n ") == 422
    assert note_count(app) == 0


def test_an_advocate_cannot_add_a_note_to_a_case_they_do_not_hold(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner) -> None:
    case_id = open_case(twilio)
    token = csrf(advocate.get("/advocates/queue").get_data(as_text=True))
    refused = advocate.post(f"/advocates/cases/{case_id}/notes",
                            data={"csrf_token": token, "note": NOTE})
    assert refused.status_code == 403
    assert note_count(app) == 0


def test_a_supervisor_adds_a_note_to_any_case_with_a_purpose_that_is_recorded(
        app: Flask, held: int) -> None:
    supervisor = app.test_client()
    sign_in(supervisor, make_advocate(app, "s@example.org", "supervisor"))
    token = csrf(supervisor.get("/advocates/queue").get_data(as_text=True))
    without = supervisor.post(f"/advocates/cases/{held}/notes",
                              data={"csrf_token": token, "note": NOTE})
    assert without.status_code == 403
    assert add_note(supervisor, held, NOTE, purpose="safeguarding") == 302
    (added,) = audit_rows(app, "note.added")
    assert added.purpose == "safeguarding"
    page = supervisor.get(f"/advocates/cases/{held}?purpose=safeguarding")
    assert "sister until Friday" in page.get_data(as_text=True)
    assert audit_rows(app, "notes.read")[-1].purpose == "safeguarding"


def test_erasure_destroys_the_notes_and_the_tombstone_says_they_existed(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, held: int) -> None:
    add_note(advocate, held, NOTE)
    add_note(advocate, held, "Second note")
    erase_by_sms(twilio)
    assert note_count(app) == 0
    with app.app_context(), services().database.session() as session:
        case = session.get(Escalation, held)
        assert case is not None
        assert case.erased_records == {"notes": 2}
    page = advocate.get(f"/advocates/cases/{held}")
    assert page.status_code == 410
    assert "2 notes" in page.get_data(as_text=True)


@pytest.fixture
def keeping(environ: dict[str, str], tmp_path: Path) -> None:
    environ["QUIETLINE_CONFIG"] = deployment_with(tmp_path, keep_notes_after_erasure="true")


@pytest.mark.usefixtures("keeping")
def test_a_deployment_that_keeps_notes_seals_them_under_the_cases_own_key(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, held: int) -> None:
    add_note(advocate, held, NOTE)
    erase_by_sms(twilio)
    with app.app_context():
        built = services()
        with built.database.transaction() as connection:
            (row,) = connection.execute(select(CaseNote)).all()
            assert (row.sealed_under, row.conversation_id) == ("case", None)
            wrapped = connection.execute(select(CaseRecordKey.wrapped_key)).scalar_one()
            key = built.keyring.unwrap(wrapped, case_records._ctx("case_record_keys", "key",
                                                                  held))
            assert key.open(row.body_sealed, case_records._ctx(
                "case_notes", "body", row.id)) == NOTE
    page = advocate.get(f"/advocates/cases/{held}")
    assert page.status_code == 410
    assert "Nothing of it is kept" not in page.get_data(as_text=True)
    assert "records (notes, risk assessments, referrals) are kept" in page.get_data(
        as_text=True)


@pytest.mark.usefixtures("keeping")
def test_retention_destroys_notes_kept_after_erasure_and_their_key(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, held: int,
        clock: MovableClock) -> None:
    add_note(advocate, held, NOTE)
    token = csrf(advocate.get(f"/advocates/cases/{held}").get_data(as_text=True))
    assert advocate.post(f"/advocates/cases/{held}/referrals", data={
        "csrf_token": token, "agency": "marac", "on": "2026-12-01",
        "basis": "without_consent", "reason": "Threats to kill."}).status_code == 302
    erase_by_sms(twilio)
    with app.app_context(), services().database.session() as session:
        kept = session.scalars(select(Referral)).one()
        assert (kept.sealed_under, kept.conversation_id) == ("case", None)
    with app.app_context():
        built = services()
        clock.advance(timedelta(days=80))
        assert built.purge_expired().kept_case_records_deleted == 0
        assert note_count(app) == 1
        clock.advance(timedelta(days=20))
        assert built.purge_expired().kept_case_records_deleted == 1
    assert note_count(app) == 0
    with app.app_context(), services().database.session() as session:
        assert session.scalar(select(func.count()).select_from(CaseRecordKey)) == 0
        assert session.scalars(select(Referral)).all() == []


def test_retention_destroys_the_notes_of_a_conversation_it_purges(
        app: Flask, advocate: FlaskClient, held: int, clock: MovableClock) -> None:
    add_note(advocate, held, NOTE)
    token = csrf(advocate.get(f"/advocates/cases/{held}").get_data(as_text=True))
    advocate.post(f"/advocates/cases/{held}/close",
                  data={"csrf_token": token, "reason": "supported"})
    clock.advance(timedelta(days=100))
    with app.app_context():
        assert services().purge_expired().conversations_deleted == 1
    assert note_count(app) == 0
