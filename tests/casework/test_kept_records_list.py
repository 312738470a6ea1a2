"""Finding the records kept after an erasure (issue 20, a gap left last session): an erased case
has no reference, so a search never finds it; supervisors get a list of the erased cases whose
records are kept, with counts and the day retention destroys them, and nothing opened."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.services import services
from app.staff.accounts import StaffMember
from tests.casework.test_kept_records import erased, keeping, supervisor_of
from tests.casework.test_referrals import NOTE, REASON
from tests.support.cases import open_case
from tests.support.records import audit_rows
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")
__all__ = ["erased", "keeping"]  # fixtures, used by name


@pytest.mark.usefixtures("keeping")
def test_a_supervisor_finds_an_erased_case_with_kept_records_on_the_list(
        app: Flask, erased: int, twilio: TwilioSigner) -> None:
    open_case(twilio, "+447700900321")  # a live case: never on this list
    supervisor = supervisor_of(app)
    assert 'href="/advocates/kept"' in supervisor.get("/advocates/queue").get_data(as_text=True)

    page = supervisor.get("/advocates/kept")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    rows = text.count("<tr data-case=")
    assert rows == 1, text
    assert f'data-case="{erased}"' in text
    assert "1 note, 1 risk assessment, 1 referral" in text
    assert f'href="/advocates/cases/{erased}/kept"' in text
    # Nothing sealed is opened by the list, so no read is audited; looking at it is.
    assert NOTE not in text
    assert REASON not in text
    assert audit_rows(app, "kept_records.read") == []
    listed = audit_rows(app, "kept_records.listed")
    assert [row.escalation_id for row in listed] == [None]


@pytest.mark.usefixtures("keeping")
def test_the_list_says_when_retention_destroys_each_case_s_records(
        app: Flask, erased: int) -> None:
    with app.app_context():
        built = services()
        supervisor = make_advocate(app, "s2@example.org", "supervisor")
        member = StaffMember(supervisor.id, supervisor.email, supervisor.role, 0)
        (listed,) = built.kept_records.listing(member)
    days = built.settings.deployment.retention_days
    assert listed.case.case_id == erased
    assert listed.destroyed_after == listed.case.last_written + timedelta(days=days)
    assert listed.case.last_written >= listed.case.erased_at


def test_without_kept_records_the_list_says_so(app: Flask, erased: int) -> None:
    # The deployment's default keeps nothing: the erasure destroyed the records with it.
    text = supervisor_of(app).get("/advocates/kept").get_data(as_text=True)
    assert 'id="none-kept"' in text
    assert f'data-case="{erased}"' not in text
    assert 'id="not-keeping"' in text


@pytest.mark.parametrize("role", ["advocate", "admin"])
@pytest.mark.usefixtures("keeping")
def test_only_supervisors_have_the_list(app: Flask, erased: int, role: str) -> None:
    client: FlaskClient = app.test_client()
    sign_in(client, make_advocate(app, f"{role}2@example.org", role))
    assert client.get("/advocates/kept").status_code == 403
    home = "/advocates/queue" if role == "advocate" else "/advocates/audit"
    assert 'href="/advocates/kept"' not in client.get(home).get_data(as_text=True)
    assert audit_rows(app, "kept_records.listed") == []
