"""A case's records on the staff pages: notes, DASH risk assessments, consent and referrals,
and the printable referral summary.

The case page (`case_views.case`, templates/advocates/case.html) includes the partials in
templates/advocates/case/; they get their data from `records_panel`, which reads through the
services (audited there, like every read of a record). The forms post here; a supervisor's
purpose travels with each form, so every write and read records why.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import Response, g, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from app.advocates import bp
from app.advocates.answers import answer
from app.casework.desk import NotAllowed, facts
from app.casework.notes import MAX_NOTE_CHARS, Note
from app.casework.records import RecordRefused
from app.casework.referrals import BASES, MAX_REASON_CHARS, ReferralsPanel
from app.casework.risk import MAX_JUDGEMENT_CHARS, Assessment
from app.content.agencies import Agencies
from app.content.checklist import ANSWERS, Checklist
from app.services import services
from app.staff import authz, records_authz
from app.storage.cases import CaseRecord


@dataclass(frozen=True)
class RecordsPanel:
    """What the case page's record sections show and offer."""

    purpose: str | None
    can_write: bool
    notes: list[Note]
    authors: dict[int, str]
    keeps_after_erasure: bool
    assessments: list[Assessment]
    checklist: Checklist | None
    threshold: int
    referrals: ReferralsPanel
    agencies: Agencies | None
    bases: dict[str, str]
    max_note_chars: int = MAX_NOTE_CHARS
    max_reason_chars: int = MAX_REASON_CHARS

    def agency(self, code: str) -> str:
        return self.agencies.names.get(code, code) if self.agencies else code

    def author(self, advocate_id: int) -> str:
        return self.authors.get(advocate_id, f"a former colleague (#{advocate_id})")


def _purpose() -> str | None:
    given = request.values.get("purpose") or None
    return given if given in authz.PURPOSES else None


@bp.app_template_global("records_panel")
def records_panel(record: CaseRecord) -> RecordsPanel:
    """The case's records for the page being drawn (only after the transcript was allowed).

    Read once per request, however many sections include it; each kind of record read is
    audited once per staff session and purpose (like the transcript), not per render."""
    drawn: dict[int, RecordsPanel] = g.setdefault("records_panels", {})
    if record.id not in drawn:
        built, purpose, viewing = services(), _purpose(), g.staff_session_id
        drawn[record.id] = RecordsPanel(
            purpose=purpose,
            can_write=records_authz.can_write_records(g.staff, facts(record), purpose),
            notes=built.notes.read(record.id, g.staff, purpose, viewing=viewing),
            authors=built.accounts.names(),
            keeps_after_erasure=built.settings.deployment.casework.keep_notes_after_erasure,
            assessments=built.risk.history(record.id, g.staff, purpose, viewing=viewing),
            checklist=built.risk.checklist, threshold=built.risk.threshold,
            referrals=built.referrals.panel(record.id, g.staff, purpose, viewing=viewing),
            agencies=built.referrals.agencies, bases=BASES)
    return drawn[record.id]


def _back(case_id: int, anchor: str) -> BaseResponse:
    return redirect(url_for("advocates.case", case_id=case_id, purpose=_purpose())
                    + f"#{anchor}")


@bp.post("/cases/<int:case_id>/notes")
def add_note(case_id: int) -> BaseResponse:
    text = request.form.get("note", "")[: MAX_NOTE_CHARS * 2]
    services().notes.add(case_id, g.staff, text, _purpose())
    return _back(case_id, "notes")


@bp.get("/cases/<int:case_id>/risk")
def risk_form(case_id: int) -> BaseResponse:
    """The DASH form: questions only, nothing sealed, so no read to audit until it is saved."""
    built, purpose = services(), _purpose()
    record = built.casework.load(case_id)
    if not records_authz.can_write_records(g.staff, facts(record), purpose):
        raise NotAllowed("risk")
    if built.risk.checklist is None:
        raise RecordRefused("The risk checklist (flows/dash.yaml) is missing or broken; "
                            "`flask flows check` says why.")
    return Response(render_template(
        "advocates/case/risk_form.html", record=record, checklist=built.risk.checklist,
        answers=ANSWERS, threshold=built.risk.threshold, purpose=purpose,
        max_chars=MAX_JUDGEMENT_CHARS))


@bp.post("/cases/<int:case_id>/risk")
def assess_risk(case_id: int) -> BaseResponse:
    built = services()
    checklist = built.risk.checklist
    answers = {q.id: request.form.get(f"q-{q.id}", "") for q in
               (checklist.questions if checklist else ())}
    built.risk.assess(case_id, g.staff, answers=answers, level=request.form.get("level", ""),
                      judgement=request.form.get("judgement", "")[: MAX_JUDGEMENT_CHARS * 2],
                      purpose=_purpose())
    return _back(case_id, "risk")


@bp.post("/cases/<int:case_id>/consent")
def record_consent(case_id: int) -> BaseResponse:
    services().referrals.record_consent(
        case_id, g.staff, agency=request.form.get("agency", ""),
        action=request.form.get("action", ""), shares=request.form.getlist("shares"),
        purpose=_purpose())
    return _back(case_id, "referrals")


@bp.post("/cases/<int:case_id>/consent/choice")
def record_choice(case_id: int) -> BaseResponse:
    services().referrals.record_choice(case_id, g.staff, _purpose())
    return _back(case_id, "referrals")


@bp.post("/cases/<int:case_id>/referrals")
def refer(case_id: int) -> BaseResponse:
    services().referrals.refer(
        case_id, g.staff, agency=request.form.get("agency", ""),
        on=request.form.get("on", "")[:10], basis=request.form.get("basis", ""),
        reason=request.form.get("reason", "")[: MAX_REASON_CHARS * 2], purpose=_purpose())
    return _back(case_id, "referrals")


@bp.get("/cases/<int:case_id>/referrals/<uuid:referral_id>/summary")
def referral_summary(case_id: int, referral_id: uuid.UUID) -> BaseResponse:
    """The printable summary (audited): only what the survivor agreed to share."""
    built, purpose = services(), _purpose()
    record = built.casework.load(case_id)
    summary = built.referrals.summary(case_id, referral_id, g.staff, purpose)
    return Response(render_template(
        "advocates/case/referral_summary.html", record=record, summary=summary,
        agencies=built.referrals.agencies, bases=BASES, checklist=built.risk.checklist,
        authors=built.accounts.names(), purpose=purpose, printed_at=built.clock()))


@bp.errorhandler(RecordRefused)
def record_refused(error: RecordRefused) -> Response:
    return answer(422, error.message)
