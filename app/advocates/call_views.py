"""Safe call-backs on the staff pages: "Call now" on a case, and the advocate's own phone."""

from __future__ import annotations

import logging

from flask import Response, g, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from app import audit
from app.advocates import bp, local_time
from app.advocates.answers import answer
from app.casework.callbacks import CallPanel, CallRefused, CallSummary
from app.services import services
from app.staff.phones import PhoneError
from app.storage.cases import CaseRecord

log = logging.getLogger(__name__)


def call_panel(record: CaseRecord) -> CallPanel:
    """For the case page's call section (templates/advocates/case/_contact.html)."""
    return services().calls.panel(record, g.staff)


@bp.app_template_global("call_line")
def call_line(call: CallSummary) -> str:
    """One call as the case page lists it, the same on the page and in its live updates:
    "Tue 01 Dec 18:10, you: ringing your phone". No number."""
    who = "you" if call.advocate_id == g.staff.id else "a colleague"
    return f"{local_time(call.created_at)}, {who}: {call.words}"


def live_calls(record: CaseRecord) -> dict[str, object]:
    """The call section's changing parts for the case page's live updates (case.js): whether
    a call may be placed now, in words, and each call's state (ringing, answered, no answer),
    newest first."""
    calls = services().calls
    return {"call_window": calls.explain(calls.gate(record), record),
            "calls": [{"id": c.id, "line": call_line(c)} for c in calls.for_case(record.id)]}


@bp.post("/cases/<int:case_id>/call")
def call_now(case_id: int) -> BaseResponse:
    services().calls.start(case_id, g.staff)
    return redirect(url_for("advocates.case", case_id=case_id, _anchor="call"))


@bp.errorhandler(CallRefused)
def call_refused(error: CallRefused) -> Response:
    return answer(409, error.message)


@bp.route("/account/phone", methods=["GET", "POST"])
def phone_page() -> BaseResponse:
    phones = services().phones
    error = None
    if request.method == "POST":
        try:
            phones.set(g.staff.id, request.form.get("phone", "")[:32],
                       actor=audit.staff(g.staff.id))
        except PhoneError as refused:
            error = f"Not saved: {refused}."
        else:
            return redirect(url_for("advocates.phone_page"))
    return Response(render_template("advocates/phone.html", masked=phones.masked(g.staff.id),
                                    error=error), status=400 if error else 200)
