"""Consent and referrals (issue 20, item 4): the consent ledger (given, withdrawn, dated, only
ever added to) from the survivor's own choice or an advocate; a withdrawal shown on the case at
once; referrals on consent or on a sealed reason to share without it; the printable summary
carrying only what the survivor agreed to share."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.content.checklist import load_checklist
from app.services import services
from app.storage.models import ConsentEvent, Referral
from tests.conftest import MovableClock
from tests.support.cases import claim, latest_case
from tests.support.records import audit_rows, erase_by_sms
from tests.support.staff import csrf, make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")
SURVIVOR = "+447700900123"
REASON = "DASH 16 and a threat to kill this week; she is too frightened to agree."
NOTE = "She is staying with her sister."
QUESTIONS = load_checklist(Path(__file__).resolve().parents[2] / "flows").questions


def case_with_choice(twilio: TwilioSigner, advocate: FlaskClient, answer: str | None) -> int:
    """A survivor asks for a person by SMS and, when `answer` is given, answers the consent
    question ("1" agreed, "2" refused); the advocate claims the case."""
    for body in ("person", "1", "1", *((answer,) if answer else ())):
        twilio.sms(body, sender=SURVIVOR)
    case_id = latest_case(twilio)
    assert claim(advocate, case_id).status_code == 302
    return case_id


def post(staff: FlaskClient, case_id: int, path: str, data: dict[str, object]) -> int:
    page = staff.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    return staff.post(f"/advocates/cases/{case_id}/{path}",
                      data={"csrf_token": csrf(page), **data}).status_code


def refer(staff: FlaskClient, case_id: int, agency: str, basis: str, reason: str = "",
          on: str = "2026-12-01") -> int:
    return post(staff, case_id, "referrals", {"agency": agency, "on": on,
                                              "basis": basis, "reason": reason})


def summary_of(staff: FlaskClient, case_id: int) -> str:
    page = staff.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    links = re.findall(r'href="(/advocates/cases/\d+/referrals/[0-9a-f-]+/summary)', page)
    assert links, "no printable summary link on the case page"
    response = staff.get(links[-1])
    assert response.status_code == 200
    return response.get_data(as_text=True)


def fill_records(staff: FlaskClient, case_id: int) -> None:
    """A note and a DASH assessment on the case."""
    assert post(staff, case_id, "notes", {"note": NOTE}) == 302
    answers = {f"q-{q.id}": "yes" if q.number <= 3 else "no" for q in QUESTIONS}
    assert post(staff, case_id, "risk", {**answers, "level": "medium", "judgement": ""}) == 302


def ledger(app: Flask) -> list[ConsentEvent]:
    with app.app_context(), services().database.session() as session:
        return list(session.scalars(select(ConsentEvent).order_by(ConsentEvent.recorded_at)))


def test_a_referral_on_the_survivors_own_choice_is_linked_to_that_dated_choice(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner) -> None:
    case_id = case_with_choice(twilio, advocate, "1")
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert "<strong>Police:</strong> given" in page
    assert "the survivor&#39;s own choice in the conversation" in page
    assert refer(advocate, case_id, "police", "consent") == 302
    (row,) = ledger(app)
    assert (row.agency, row.action, row.source) == ("police", "given", "survivor_choice")
    with app.app_context(), services().database.session() as session:
        referral = session.scalars(select(Referral)).one()
        assert referral.consent_event_id == row.id
        assert referral.reason_sealed is None


def test_a_referral_dated_today_in_london_is_taken_in_the_first_hour_of_a_bst_day(
        advocate: FlaskClient, twilio: TwilioSigner, clock: MovableClock) -> None:
    case_id = case_with_choice(twilio, advocate, "1")
    clock.set(datetime(2027, 3, 31, 23, 30, tzinfo=UTC))  # 00:30 BST on 1 April in London
    data: dict[str, object] = {"agency": "police", "on": "2027-04-01", "basis": "consent",
                               "reason": ""}
    assert post(advocate, case_id, "referrals", data) == 302
    data["on"] = "2027-04-02"
    assert post(advocate, case_id, "referrals", data) == 422


@pytest.mark.parametrize("on", ["0001-01-01", "2026-11-30"])
def test_a_referral_dated_before_the_case_was_opened_is_refused_and_not_stored(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, on: str) -> None:
    """The case opened on 1 December 2026 (London): no referral can predate it, and the date
    picker offers none (staff6's finding: 0001-01-01 was stored and printed)."""
    case_id = case_with_choice(twilio, advocate, "1")
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert 'min="2026-12-01" max="2026-12-01"' in page
    response = advocate.post(f"/advocates/cases/{case_id}/referrals", data={
        "csrf_token": csrf(page), "agency": "police", "on": on, "basis": "consent"})
    assert response.status_code == 422
    assert "before this case was opened (01 Dec 2026)" in response.get_data(as_text=True)
    with app.app_context(), services().database.session() as session:
        assert session.scalars(select(Referral)).all() == []


def test_a_referral_dated_the_local_day_the_case_opened_is_taken_in_summer_time(
        advocate: FlaskClient, twilio: TwilioSigner, clock: MovableClock) -> None:
    """Opened at 00:30 BST on 1 April (still 31 March in UTC): 1 April is its first day."""
    clock.set(datetime(2027, 3, 31, 23, 30, tzinfo=UTC))
    case_id = case_with_choice(twilio, advocate, "1")
    data: dict[str, object] = {"agency": "police", "on": "2027-03-31", "basis": "consent"}
    assert post(advocate, case_id, "referrals", data) == 422
    data["on"] = "2027-04-01"
    assert post(advocate, case_id, "referrals", data) == 302


def test_without_consent_a_referral_on_consent_is_refused(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner) -> None:
    case_id = case_with_choice(twilio, advocate, None)
    assert refer(advocate, case_id, "marac", "consent") == 422
    with app.app_context(), services().database.session() as session:
        assert session.scalars(select(Referral)).all() == []


def test_sharing_without_consent_needs_a_reason_which_is_sealed_audited_and_printed(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner) -> None:
    case_id = case_with_choice(twilio, advocate, "2")
    fill_records(advocate, case_id)
    assert refer(advocate, case_id, "marac", "without_consent") == 422
    assert refer(advocate, case_id, "marac", "without_consent", REASON) == 302
    with app.app_context(), services().database.session() as session:
        sealed = session.scalars(select(Referral)).one().reason_sealed
        assert sealed is not None
        assert b"frightened" not in sealed
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert REASON in page
    assert audit_rows(app, "referral_reasons.read")
    summary = summary_of(advocate, case_id)
    assert REASON in summary
    assert NOTE in summary  # the recorded risk is the basis: the case can be shared
    assert 'id="summary-risk"' in summary
    assert audit_rows(app, "referral.summary_viewed")


def test_the_survivors_refusal_shows_at_the_top_of_the_case(
        advocate: FlaskClient, twilio: TwilioSigner) -> None:
    case_id = case_with_choice(twilio, advocate, "2")
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    alert = page.split('id="consent-alert"')[1].split("</div>")[0]
    assert "No consent to share" in alert
    assert "MARAC" in alert
    assert "Police (the survivor chose no" in alert
    assert page.index('id="consent-alert"') < page.index('id="h-transcript"')  # at the top


def test_the_ledger_is_only_added_to_and_a_withdrawal_shows_at_once(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner) -> None:
    case_id = case_with_choice(twilio, advocate, None)
    assert 'id="consent-alert"' not in advocate.get(f"/advocates/cases/{case_id}").get_data(
        as_text=True)
    assert post(advocate, case_id, "consent", {"agency": "housing", "action": "given",
                                               "shares": ["risk", "notes"]}) == 302
    assert refer(advocate, case_id, "housing", "consent") == 302
    assert post(advocate, case_id, "consent", {"agency": "housing",
                                               "action": "withdrawn"}) == 302
    rows = ledger(app)
    assert [(r.agency, r.action, r.source) for r in rows] == [
        ("housing", "given", "advocate"), ("housing", "withdrawn", "advocate")]
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    assert "No consent to share</strong> with Housing (withdrawn" in page
    summary = summary_of(advocate, case_id)
    assert "The survivor has withdrawn consent" in summary
    assert 'id="summary-risk"' not in summary
    assert 'id="summary-notes"' not in summary


def test_the_summary_carries_only_what_the_survivor_agreed_to_share(
        advocate: FlaskClient, twilio: TwilioSigner) -> None:
    case_id = case_with_choice(twilio, advocate, None)
    fill_records(advocate, case_id)
    post(advocate, case_id, "consent", {"agency": "idva", "action": "given",
                                        "shares": ["risk"]})
    assert refer(advocate, case_id, "idva", "consent") == 302
    summary = summary_of(advocate, case_id)
    assert 'id="summary-risk"' in summary
    assert "3 &#34;yes&#34;" in summary or '3 "yes"' in summary
    assert NOTE not in summary
    assert 'id="summary-notes"' not in summary


def test_consent_given_needs_something_to_share(advocate: FlaskClient,
                                                twilio: TwilioSigner) -> None:
    case_id = case_with_choice(twilio, advocate, None)
    assert post(advocate, case_id, "consent", {"agency": "idva", "action": "given"}) == 422


def test_the_survivors_choice_goes_into_the_ledger_once(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner) -> None:
    case_id = case_with_choice(twilio, advocate, "1")
    assert post(advocate, case_id, "consent/choice", {}) == 302
    assert post(advocate, case_id, "consent/choice", {}) == 302
    assert sorted(r.agency for r in ledger(app)) == ["marac", "police"]


def test_others_cannot_record_consent_or_referrals_or_print_a_summary(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner) -> None:
    case_id = case_with_choice(twilio, advocate, "1")
    assert refer(advocate, case_id, "police", "consent") == 302
    summary_path = re.findall(r'href="(/advocates/cases/\d+/referrals/[0-9a-f-]+/summary)',
                              advocate.get(f"/advocates/cases/{case_id}").get_data(
                                  as_text=True))[0]
    other = app.test_client()
    sign_in(other, make_advocate(app, "b@example.org"))
    token = csrf(other.get("/advocates/queue").get_data(as_text=True))
    for path, data in (("consent", {"agency": "police", "action": "withdrawn"}),
                       ("referrals", {"agency": "police", "on": "2026-12-01",
                                      "basis": "without_consent", "reason": REASON})):
        assert other.post(f"/advocates/cases/{case_id}/{path}",
                          data={"csrf_token": token, **data}).status_code == 403
    assert other.get(summary_path).status_code == 403


def test_erasure_destroys_consent_and_referrals_and_the_tombstone_counts_them(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner) -> None:
    case_id = case_with_choice(twilio, advocate, "1")
    refer(advocate, case_id, "police", "consent")
    erase_by_sms(twilio, SURVIVOR)
    assert ledger(app) == []
    assert "1 referral," in advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
