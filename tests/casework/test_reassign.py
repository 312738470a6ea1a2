"""Reassigning through the pages (issue 23, item 13): never to oneself, never to a disabled
account; the refusal changes nothing and reads nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from app.services import services
from app.staff.accounts import StaffMember
from app.storage.models import AuditEvent
from tests.support.cases import csrf, open_case
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def actions(app: Flask) -> list[tuple[str, str | None]]:
    with app.app_context(), services().database.session() as session:
        return [(row.action, row.purpose) for row in session.scalars(
            select(AuditEvent).where(AuditEvent.escalation_id.is_not(None)))]


def test_a_supervisor_cannot_give_a_case_to_themselves_to_read_it_without_a_purpose(
        app: Flask, twilio: TwilioSigner) -> None:
    case_id = open_case(twilio)
    holder = make_advocate(app, "a@example.org")
    with app.app_context():
        services().casework.claim(case_id, StaffMember(holder.id, holder.email, "advocate", 0))
    supervisor = app.test_client()
    me = make_advocate(app, "s@example.org", "supervisor")
    sign_in(supervisor, me)
    page = supervisor.get(f"/advocates/cases/{case_id}/manage").get_data(as_text=True)
    assert "<option>s@example.org</option>" not in page  # not offered...
    response = supervisor.post(f"/advocates/cases/{case_id}/reassign",
                               data={"csrf_token": csrf(page), "to": me.email})
    assert response.status_code == 409  # ...and refused when sent anyway
    with app.app_context():
        assert services().casework.load(case_id).claimed_by == holder.id
    # Reading it still asks for a purpose, and nothing was read.
    assert "Purpose" in supervisor.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert [a for a, _ in actions(app)] == ["escalation.requested", "case.claimed"]


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_a_case_cannot_be_given_to_a_disabled_account(
        app: Flask, twilio: TwilioSigner, role: str) -> None:
    case_id = open_case(twilio)
    gone = make_advocate(app, "gone@example.org")
    make_advocate(app, "here@example.org")
    with app.app_context():
        services().accounts.set_active(gone.email, False)
    giver = app.test_client()
    sign_in(giver, make_advocate(app, f"{role}@example.org", role))
    page = giver.get(f"/advocates/cases/{case_id}/manage").get_data(as_text=True)
    assert "gone@example.org" not in page
    assert "<option>here@example.org</option>" in page
    response = giver.post(f"/advocates/cases/{case_id}/reassign",
                          data={"csrf_token": csrf(page), "to": gone.email})
    assert response.status_code == 409
    with app.app_context():
        record = services().casework.load(case_id)
    assert (record.status, record.claimed_by) == ("open", None)
    assert "case.reassigned" not in [a for a, _ in actions(app)]


def test_an_account_disabled_during_the_reassignment_does_not_get_the_case(
        app: Flask, twilio: TwilioSigner) -> None:
    """The active check is part of the UPDATE: a look-up that said "active" a moment before
    is not enough."""
    case_id = open_case(twilio)
    gone = make_advocate(app, "gone@example.org")
    boss = make_advocate(app, "s@example.org", "supervisor")
    with app.app_context():
        built = services()
        stale = built.accounts.find(gone.email)
        assert stale is not None
        assert stale.active
        built.accounts.set_active(gone.email, False)
        with pytest.raises(Exception, match="changed while you were looking"):
            built.casework.reassign(case_id, StaffMember(boss.id, boss.email, "supervisor", 0),
                                    stale)
        assert built.casework.load(case_id).claimed_by is None
