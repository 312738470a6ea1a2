"""DASH risk assessments on a case (issue 20, item 3): every question answered yes, no, not
known or not asked plus a professional judgement; the score and the MARAC threshold shown with
the answers that drove them; re-assessments kept with their dates; sealed and audited."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.content.checklist import load_checklist
from app.services import services
from app.storage.models import RiskAssessment
from tests.conftest import MovableClock
from tests.support.cases import claim, open_case
from tests.support.records import audit_rows, deployment_with, erase_by_sms
from tests.support.staff import csrf, make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")
QUESTIONS = load_checklist(Path(__file__).resolve().parents[2] / "flows").questions
WHY = "Strangled last week; she believes he will kill her."


def form(yes: int, level: str = "medium", judgement: str = WHY,
         rest: str = "no") -> dict[str, str]:
    """The DASH form with the first `yes` questions answered yes and the others `rest`."""
    answers = {f"q-{q.id}": ("yes" if q.number <= yes else rest) for q in QUESTIONS}
    return {**answers, "level": level, "judgement": judgement}


def assess(staff: FlaskClient, case_id: int, data: dict[str, str],
           purpose: str | None = None) -> int:
    query = f"?purpose={purpose}" if purpose else ""
    page = staff.get(f"/advocates/cases/{case_id}/risk{query}")
    assert page.status_code == 200
    fields = {"csrf_token": csrf(page.get_data(as_text=True)), **data}
    if purpose:
        fields["purpose"] = purpose
    return staff.post(f"/advocates/cases/{case_id}/risk", data=fields).status_code


@pytest.fixture
def held(advocate: FlaskClient, twilio: TwilioSigner) -> int:
    case_id = open_case(twilio)
    assert claim(advocate, case_id).status_code == 302
    return case_id


def test_the_form_lists_every_question_with_four_answers_and_says_the_wording_is_not_official(
        advocate: FlaskClient, held: int) -> None:
    page = advocate.get(f"/advocates/cases/{held}/risk").get_data(as_text=True)
    for question in QUESTIONS:
        assert page.count(f'name="q-{question.id}"') == 4
    assert "not the published DASH wording" in page
    assert "SafeLives" in page


def test_fourteen_yes_answers_show_the_marac_threshold_reached_and_which_answers(
        advocate: FlaskClient, held: int) -> None:
    assert assess(advocate, held, form(yes=14)) == 302
    page = advocate.get(f"/advocates/cases/{held}").get_data(as_text=True)
    assert "MARAC threshold reached" in page
    assert "14 &#34;yes&#34; answers" in page or '14 "yes" answers' in page
    for question in QUESTIONS[:14]:
        assert question.text in page
    assert QUESTIONS[14].text not in page.split('id="risk-yes"')[1].split("</ol>")[0]


def test_thirteen_yes_answers_are_below_the_threshold_and_judgement_can_still_refer(
        advocate: FlaskClient, held: int) -> None:
    assess(advocate, held, form(yes=13, level="high"))
    page = advocate.get(f"/advocates/cases/{held}").get_data(as_text=True)
    assert "MARAC threshold reached" not in page
    assert "Below the MARAC threshold of 14" in page
    assert "refer to MARAC on professional judgement, whatever the score" in page
    assert WHY in page


@pytest.fixture
def lower_threshold(environ: dict[str, str], tmp_path: Path) -> None:
    environ["QUIETLINE_CONFIG"] = deployment_with(tmp_path, marac_threshold="10")


@pytest.mark.usefixtures("lower_threshold")
def test_the_threshold_is_the_deployments_setting(advocate: FlaskClient, held: int) -> None:
    assess(advocate, held, form(yes=10))
    page = advocate.get(f"/advocates/cases/{held}").get_data(as_text=True)
    assert "MARAC threshold reached" in page
    assert "the threshold is 10" in page


def test_a_reassessment_keeps_the_earlier_one_with_its_date(
        app: Flask, advocate: FlaskClient, held: int, clock: MovableClock) -> None:
    assess(advocate, held, form(yes=5, level="standard"))
    clock.advance(timedelta(days=7))
    assess(advocate, held, form(yes=15, level="high"))
    page = advocate.get(f"/advocates/cases/{held}").get_data(as_text=True)
    assert "Earlier assessments (1)" in page
    assert "Tue 01 Dec 10:00, a@example.org: 5 &#34;yes&#34;" in page or \
        'Tue 01 Dec 10:00, a@example.org: 5 "yes"' in page
    assert "on Tue 08 Dec 10:00" in page


def test_every_question_must_be_answered(app: Flask, advocate: FlaskClient, held: int) -> None:
    data = form(yes=3)
    del data[f"q-{QUESTIONS[6].id}"]
    response = advocate.post(f"/advocates/cases/{held}/risk",
                             data={"csrf_token": csrf(advocate.get(
                                 f"/advocates/cases/{held}").get_data(as_text=True)), **data})
    assert response.status_code == 422
    assert "question 7 has none" in response.get_data(as_text=True)
    with app.app_context(), services().database.session() as session:
        assert session.scalars(select(RiskAssessment)).all() == []


@pytest.mark.parametrize("bad", ["maybe", "", "YES"])
def test_an_answer_outside_the_four_is_refused(advocate: FlaskClient, held: int,
                                               bad: str) -> None:
    data = form(yes=3) | {f"q-{QUESTIONS[0].id}": bad}
    assert assess(advocate, held, data) == 422


def test_a_judgement_level_is_required(advocate: FlaskClient, held: int) -> None:
    assert assess(advocate, held, form(yes=3, level="")) == 422


def test_answers_and_judgement_are_sealed_and_the_audit_holds_no_content(
        app: Flask, advocate: FlaskClient, held: int) -> None:
    assess(advocate, held, form(yes=14))
    advocate.get(f"/advocates/cases/{held}")
    with app.app_context(), services().database.session() as session:
        row = session.scalars(select(RiskAssessment)).one()
        assert b"yes" not in row.answers_sealed
        assert b"kill" not in row.judgement_sealed
        assert row.checklist == "dash:2009"
    assert [r.action for r in audit_rows(app, "risk.assessed", "risk.read")] == [
        "risk.assessed", "risk.read"]


def test_the_form_and_saving_are_refused_to_an_advocate_who_does_not_hold_the_case(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner) -> None:
    case_id = open_case(twilio)
    assert advocate.get(f"/advocates/cases/{case_id}/risk").status_code == 403
    token = csrf(advocate.get("/advocates/queue").get_data(as_text=True))
    assert advocate.post(f"/advocates/cases/{case_id}/risk",
                         data={"csrf_token": token, **form(yes=14)}).status_code == 403


def test_a_supervisor_assesses_with_a_purpose(app: Flask, held: int) -> None:
    supervisor = app.test_client()
    sign_in(supervisor, make_advocate(app, "s@example.org", "supervisor"))
    assert supervisor.get(f"/advocates/cases/{held}/risk").status_code == 403
    assert assess(supervisor, held, form(yes=2), purpose="safeguarding") == 302
    assert audit_rows(app, "risk.assessed")[0].purpose == "safeguarding"


def test_erasure_destroys_the_assessments_and_the_tombstone_counts_them(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, held: int) -> None:
    assess(advocate, held, form(yes=14))
    erase_by_sms(twilio)
    with app.app_context(), services().database.session() as session:
        assert session.scalars(select(RiskAssessment)).all() == []
    assert "1 risk assessment," in advocate.get(f"/advocates/cases/{held}").get_data(
        as_text=True)
