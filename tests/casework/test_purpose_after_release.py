"""A supervisor cannot read a colleague's case without a purpose by releasing it and claiming
it back (issue 23, item 13's purpose bypass in two steps): holding a case someone else has
handled still asks for a purpose, and the purpose is recorded with the view."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from app.services import services
from app.staff.accounts import StaffMember
from app.storage.models import AuditEvent
from tests.support.cases import claim, csrf, open_case
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def views(app: Flask) -> list[str | None]:
    with app.app_context(), services().database.session() as session:
        return [row.purpose for row in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "transcript.viewed"))]


def test_releasing_a_colleagues_case_and_claiming_it_still_needs_a_purpose(
        app: Flask, twilio: TwilioSigner) -> None:
    case_id = open_case(twilio)
    colleague = make_advocate(app, "a@example.org")
    with app.app_context():
        services().casework.claim(case_id, StaffMember(colleague.id, colleague.email,
                                                       "advocate", 0))
    supervisor = app.test_client()
    sign_in(supervisor, make_advocate(app, "s@example.org", "supervisor"))
    page = supervisor.get(f"/advocates/cases/{case_id}/manage").get_data(as_text=True)
    released = supervisor.post(f"/advocates/cases/{case_id}/release",
                               data={"csrf_token": csrf(page)})
    assert released.status_code in (302, 303)
    assert claim(supervisor, case_id).status_code in (302, 303)

    asked = supervisor.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert "Purpose" in asked  # the purpose page, not the transcript
    assert views(app) == []
    read = supervisor.get(f"/advocates/cases/{case_id}?purpose=covering")
    assert read.status_code == 200
    assert views(app) == ["covering"]


def test_a_supervisor_who_took_a_case_fresh_from_the_queue_reads_it_without_a_purpose(
        app: Flask, twilio: TwilioSigner) -> None:
    case_id = open_case(twilio)
    supervisor = app.test_client()
    sign_in(supervisor, make_advocate(app, "s@example.org", "supervisor"))
    assert claim(supervisor, case_id).status_code in (302, 303)
    assert supervisor.get(f"/advocates/cases/{case_id}").status_code == 200
    assert views(app) == [None]


def test_an_advocate_given_a_case_reads_it_as_before(app: Flask, twilio: TwilioSigner) -> None:
    case_id = open_case(twilio)
    make_advocate(app, "first@example.org")
    given = make_advocate(app, "given@example.org")
    boss = app.test_client()
    sign_in(boss, make_advocate(app, "s@example.org", "supervisor"))
    page = boss.get(f"/advocates/cases/{case_id}/manage").get_data(as_text=True)
    boss.post(f"/advocates/cases/{case_id}/reassign",
              data={"csrf_token": csrf(page), "to": given.email})
    reader = app.test_client()
    sign_in(reader, given)
    assert reader.get(f"/advocates/cases/{case_id}").status_code == 200
    assert views(app) == [None]
