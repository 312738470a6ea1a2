"""How the staff pages answer a refused or failed action: one place, one wording per reason.

Views raise (or let through) the services' named exceptions; these handlers turn them into a
plain page, or JSON for the queue page's fetch calls. Nothing here names a survivor.
"""

from __future__ import annotations

from flask import Response, g, jsonify, render_template, request, url_for

from app.advocates import bp
from app.casework.desk import (
    CaseConflict,
    CaseErased,
    CaseNotFound,
    FormIncomplete,
    NotAllowed,
    ViewingNotStarted,
)
from app.casework.replies import DraftRefused
from app.casework.safe_time import WindowError
from app.services import services
from app.staff import records_authz

REFUSALS = {
    "queue": "Your role cannot see the queue.",
    "claim": "Your role cannot claim cases.",
    "release": "You are not allowed to release this case.",
    "reassign": "Your role cannot reassign cases.",
    "close": "You are not allowed to close this case.",
    "withdraw": "Only the advocate who holds this case, or a supervisor, can withdraw a reply.",
    "read": "Only the advocate who holds this case (or a supervisor who states why) can read "
            "it.",
    "window": "Only the advocate who holds this case can set its safe time.",
    "reply": "Only the advocate who holds this case can reply.",
    "call": "Only the advocate who holds this case can call the survivor.",
    "manage": "Your role cannot manage this case.",
    "audit": "Only supervisors and administrators can read the audit trail.",
    "report": "Only supervisors and administrators can see the partnership report.",
    "transfer": "Only the advocate who holds this case, or a supervisor, can hand it over.",
    "shift": "Only supervisors and administrators can see everyone's cases.",
    "canned": "Only supervisors can edit the canned replies.",
    "overdue": "Only supervisors and administrators can see which cases waited too long.",
    "note": "Only the advocate who holds this case (or a supervisor who states why) can add "
            "notes.",
    "risk": "Only the advocate who holds this case (or a supervisor who states why) can "
            "record a risk assessment.",
    "referral": "Only the advocate who holds this case (or a supervisor who states why) can "
                "record consent or a referral.",
    "search": "Your role cannot search cases.",
    "staff": "Only administrators can manage staff accounts.",
    "kept": "Only a supervisor, stating why, can read the records kept after a survivor "
            "deleted the conversation.",
}
# The open case page's live updates refused to read on: the case was yours when the page
# loaded, so the likely story is that it moved, and the page says so (case.js shows it).
TAKEN = ("This case is no longer yours: it was released to the queue or given to a colleague. "
         "What it showed has been taken off this page.")


def wants_json() -> bool:
    """A page's script asking (fetch), or an address that only ever answers JSON (the open
    case page's live.json): a script cannot show an HTML page, so it gets the words as JSON
    with the same status, whoever made the request."""
    return (request.headers.get("X-Requested-With") == "fetch"
            or request.path.endswith(".json"))


def answer(status: int, text: str, link: tuple[str, str] | None = None) -> Response:
    """A refusal as a page (or JSON for fetch); `link` is (address, words) of a way on."""
    if wants_json():
        response = jsonify({"error": text})
        response.status_code = status
        return response
    return Response(render_template("advocates/message.html", title="That did not work",
                                    text=text, back=url_for("advocates.queue"),
                                    link=link or _back_to_the_case(status)),
                    status=status)


def _back_to_the_case(status: int) -> tuple[str, str] | None:
    """A form on a case refused as incomplete, in conflict or not sendable (a close without
    the held replies' choice, a referral without consent): the next step is the case again,
    not the queue (found on shift: the advocate had to find the case again)."""
    case_id = (request.view_args or {}).get("case_id")
    if status not in (400, 409, 422) or not isinstance(case_id, int):
        return None
    if request.form.get("from") == "manage":
        return url_for("advocates.manage", case_id=case_id), "Back to the case"
    return url_for("advocates.case", case_id=case_id), "Back to the case"


@bp.errorhandler(CaseNotFound)
def not_found(_error: CaseNotFound) -> Response:
    return answer(404, "There is no such case.")


@bp.errorhandler(CaseErased)
def erased(error: CaseErased) -> Response:
    case_id = int(error.args[0]) if error.args else 0
    counts = services().notes.erased_counts(case_id)
    existed = ", ".join(f"{count} {ERASED_KINDS[kind][count != 1]}"
                        for kind, count in counts.items() if kind in ERASED_KINDS and count)
    destroyed = f" It had {existed}, destroyed with it." if existed else ""
    if services().notes.kept_after_erasure(case_id):
        # `[casework] keep_notes_after_erasure`: saying "nothing is kept" would be untrue.
        staff = getattr(g, "staff", None)
        link = ((url_for("advocates.kept_records", case_id=case_id),
                 "Read the kept records (you will be asked why)")
                if staff is not None and records_authz.can_ask_for_kept_records(staff)
                else None)
        return answer(410, "This case was closed by the survivor, who deleted the "
                           "conversation. The conversation is gone; the case's own records "
                           "(notes, risk assessments, referrals) are kept, sealed, until "
                           f"retention, as this service is set up to do.{destroyed}", link)
    return answer(410, "This case was closed by the survivor, who deleted the conversation. "
                       f"Nothing of it is kept.{destroyed}")


# How a tombstone names what its erasure destroyed: (one, several).
ERASED_KINDS = {"notes": ("note", "notes"),
                "risk_assessments": ("risk assessment", "risk assessments"),
                "referrals": ("referral", "referrals")}


@bp.errorhandler(NotAllowed)
def not_allowed(error: NotAllowed) -> Response:
    action = str(error.args[0]) if error.args else ""
    if action == "read" and request.endpoint == "advocates.case_live":
        return answer(403, TAKEN)
    return answer(403, REFUSALS.get(action, "You are not allowed to do that."))


@bp.errorhandler(ViewingNotStarted)
def viewing_not_started(_error: ViewingNotStarted) -> Response:
    return answer(409, "Reload the page to go on reading this case.")


@bp.errorhandler(CaseConflict)
def conflict(error: CaseConflict) -> Response:
    return answer(409, error.message)


@bp.errorhandler(FormIncomplete)
def incomplete(error: FormIncomplete) -> Response:
    return answer(400, error.message)


@bp.errorhandler(DraftRefused)
def refused(error: DraftRefused) -> Response:
    return answer(422, " ".join(error.problems))


@bp.errorhandler(WindowError)
def bad_window(error: WindowError) -> Response:
    return answer(400, f"The safe time was not saved: {error}.")
