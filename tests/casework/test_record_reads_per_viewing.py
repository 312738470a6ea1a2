"""A case's sealed records (notes, DASH risk assessments, referral reasons) are audited once
per viewing session and kind, like the transcript (issue 20 follow-up, item 1): reloading the
case page writes no new read rows; a new staff session, or a supervisor's new purpose, does;
the rows hold no content."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.casework.test_referrals import REASON, fill_records, refer
from tests.conftest import MovableClock
from tests.support.cases import claim, open_case
from tests.support.records import audit_rows
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")
READS = ("notes.read", "risk.read", "referral_reasons.read")


@pytest.fixture
def recorded(advocate: FlaskClient, twilio: TwilioSigner) -> int:
    """A case the advocate holds with a note, an assessment and a referral with a reason."""
    case_id = open_case(twilio)
    assert claim(advocate, case_id).status_code == 302
    fill_records(advocate, case_id)
    assert refer(advocate, case_id, "marac", "without_consent", REASON) == 302
    return case_id


def reads(app: Flask) -> list[str]:
    return [row.action for row in audit_rows(app, *READS)]


def test_reloading_the_case_page_audits_each_kind_of_record_once(
        app: Flask, advocate: FlaskClient, recorded: int) -> None:
    for _ in range(3):
        page = advocate.get(f"/advocates/cases/{recorded}")
        assert page.status_code == 200
        assert "She is staying with her sister." in page.get_data(as_text=True)
    assert sorted(reads(app)) == sorted(READS)
    for row in audit_rows(app, *READS):
        text = " ".join(str(v) for v in vars(row).values())
        assert "sister" not in text
        assert "frightened" not in text


def test_a_kind_first_read_later_in_the_session_is_audited_then(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner) -> None:
    """No note at first (nothing read, no row); a note added later is read and audited once."""
    case_id = open_case(twilio)
    assert claim(advocate, case_id).status_code == 302
    advocate.get(f"/advocates/cases/{case_id}")
    assert reads(app) == []
    fill_records(advocate, case_id)
    advocate.get(f"/advocates/cases/{case_id}")
    advocate.get(f"/advocates/cases/{case_id}")
    assert sorted(reads(app)) == ["notes.read", "risk.read"]


def test_a_new_staff_session_audits_its_reads_again(
        app: Flask, twilio: TwilioSigner, clock: MovableClock) -> None:
    ana = make_advocate(app, "ana@example.org")
    first = app.test_client()
    sign_in(first, ana)
    case_id = open_case(twilio)
    assert claim(first, case_id).status_code == 302
    fill_records(first, case_id)
    first.get(f"/advocates/cases/{case_id}")
    first.get(f"/advocates/cases/{case_id}")
    assert sorted(reads(app)) == ["notes.read", "risk.read"]
    clock.advance(timedelta(seconds=60))  # a fresh authenticator code for the second sign-in
    second = app.test_client()
    sign_in(second, ana)
    second.get(f"/advocates/cases/{case_id}")
    second.get(f"/advocates/cases/{case_id}")
    assert sorted(reads(app)) == ["notes.read", "notes.read", "risk.read", "risk.read"]


def test_a_supervisors_reads_are_audited_once_per_purpose(
        app: Flask, advocate: FlaskClient, recorded: int) -> None:
    supervisor = app.test_client()
    sign_in(supervisor, make_advocate(app, "s@example.org", "supervisor"))
    for purpose in ("safeguarding", "safeguarding", "supervision", "supervision"):
        assert supervisor.get(
            f"/advocates/cases/{recorded}?purpose={purpose}").status_code == 200
    rows = [r for r in audit_rows(app, *READS) if r.purpose is not None]
    assert sorted((r.action, r.purpose) for r in rows) == sorted(
        (kind, purpose) for kind in READS for purpose in ("safeguarding", "supervision"))
