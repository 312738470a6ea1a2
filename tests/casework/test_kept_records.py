"""Records kept after the survivor's erasure (issue 20 follow-up, item 4): a supervisor reads
them, with a purpose, audited (no content), on a page that says they belong to an erased
conversation; nobody else does; nothing is opened before the purpose is given."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.casework.test_referrals import NOTE, REASON, fill_records, refer
from tests.support.cases import claim, open_case
from tests.support.records import audit_rows, deployment_with, erase_by_sms
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")


@pytest.fixture
def keeping(environ: dict[str, str], tmp_path: Path) -> None:
    environ["QUIETLINE_CONFIG"] = deployment_with(tmp_path, keep_notes_after_erasure="true")


@pytest.fixture
def erased(advocate: FlaskClient, twilio: TwilioSigner) -> int:
    """A case with a note, an assessment and a referral without consent, then erased."""
    case_id = open_case(twilio)
    assert claim(advocate, case_id).status_code == 302
    fill_records(advocate, case_id)
    assert refer(advocate, case_id, "marac", "without_consent", REASON) == 302
    erase_by_sms(twilio)
    return case_id


def supervisor_of(app: Flask) -> FlaskClient:
    client = app.test_client()
    sign_in(client, make_advocate(app, "s@example.org", "supervisor"))
    return client


@pytest.mark.usefixtures("keeping")
def test_a_supervisor_reads_the_kept_records_with_a_purpose_marked_as_erased(
        app: Flask, erased: int) -> None:
    supervisor = supervisor_of(app)
    tomb = supervisor.get(f"/advocates/cases/{erased}")
    assert tomb.status_code == 410
    link = re.search(r'id="next-step" href="([^"]+)"', tomb.get_data(as_text=True))
    assert link is not None
    asked = supervisor.get(link.group(1))
    assert asked.status_code == 200
    assert NOTE not in asked.get_data(as_text=True)
    assert audit_rows(app, "kept_records.read") == []

    page = supervisor.get(f"/advocates/cases/{erased}/kept?purpose=safeguarding")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "These records belong to a conversation the survivor deleted" in text
    assert NOTE in text
    assert "frightened to agree" in text  # the referral's reason
    assert "3 &#34;yes&#34;" in text or '3 "yes"' in text
    (row,) = audit_rows(app, "kept_records.read")
    assert (row.escalation_id, row.purpose, row.conversation_id) == (
        erased, "safeguarding", None)
    assert "sister" not in " ".join(str(v) for v in vars(row).values())
    supervisor.get(f"/advocates/cases/{erased}/kept?purpose=safeguarding")
    assert len(audit_rows(app, "kept_records.read")) == 1  # once per session and purpose


@pytest.mark.usefixtures("keeping")
@pytest.mark.parametrize("role", ["advocate", "admin"])
def test_nobody_but_a_supervisor_reads_them(app: Flask, erased: int, role: str) -> None:
    client = app.test_client()
    sign_in(client, make_advocate(app, f"{role}2@example.org", role))
    tomb = client.get(f"/advocates/cases/{erased}").get_data(as_text=True)
    assert 'id="next-step"' not in tomb
    refused = client.get(f"/advocates/cases/{erased}/kept?purpose=safeguarding")
    assert refused.status_code == 403
    assert NOTE not in refused.get_data(as_text=True)
    assert audit_rows(app, "kept_records.read") == []


@pytest.mark.usefixtures("keeping")
def test_the_holder_who_was_working_the_case_needs_a_supervisor_too(
        app: Flask, advocate: FlaskClient, erased: int) -> None:
    assert advocate.get(f"/advocates/cases/{erased}/kept?purpose=safeguarding"
                        ).status_code == 403


@pytest.mark.usefixtures("keeping")
@pytest.mark.parametrize("purpose", ["", "curiosity", "Safeguarding concern"])
def test_without_a_listed_purpose_nothing_is_opened(app: Flask, erased: int,
                                                     purpose: str) -> None:
    page = supervisor_of(app).get(f"/advocates/cases/{erased}/kept?purpose={purpose}")
    assert page.status_code == 200
    assert NOTE not in page.get_data(as_text=True)
    assert audit_rows(app, "kept_records.read") == []


def test_without_the_setting_nothing_is_kept_and_the_page_says_so(
        app: Flask, erased: int) -> None:
    supervisor = supervisor_of(app)
    assert 'id="next-step"' not in supervisor.get(
        f"/advocates/cases/{erased}").get_data(as_text=True)
    gone = supervisor.get(f"/advocates/cases/{erased}/kept?purpose=safeguarding")
    assert gone.status_code == 410
    assert "records were kept (or retention has since destroyed them)" in gone.get_data(
        as_text=True)
    assert audit_rows(app, "kept_records.read") == []


@pytest.mark.usefixtures("keeping")
def test_a_case_that_was_not_erased_is_not_read_here(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner) -> None:
    case_id = open_case(twilio)
    assert claim(advocate, case_id).status_code == 302
    fill_records(advocate, case_id)
    page = supervisor_of(app).get(f"/advocates/cases/{case_id}/kept?purpose=safeguarding")
    assert page.status_code == 404
    assert NOTE not in page.get_data(as_text=True)
