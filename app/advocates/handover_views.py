"""Handing a case to a colleague with a note, and the shift summary (app/casework/handover.py).

The case page shows the handover panel through `handover_panel` (a template global, so the
case page's own view stays as it is): the handovers with their notes, and the form to hand the
case over. It takes the `CaseView` the case page was given, which `open_case` allowed and
audited, so no note is read without the case being read.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, g, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from app.advocates import bp
from app.casework.desk import CaseView, facts
from app.casework.handover import MAX_NOTE_CHARS, Handed, HandedOver
from app.services import services
from app.staff import authz


@dataclass(frozen=True)
class Panel:
    handovers: list[Handed]
    can_transfer: bool
    receivers: list[str]
    max_chars: int = MAX_NOTE_CHARS


@bp.app_template_global()
def handover_panel(view: CaseView) -> Panel:
    built = services()
    can = authz.can_transfer(g.staff, facts(view.record))
    return Panel(built.handover.handovers(view), can,
                 built.handover.receivers(g.staff, view.record) if can else [])


@bp.app_template_global()
def handed_to_you(view: CaseView) -> HandedOver | None:
    """The handover that gave the signed-in holder this case, shown at the top of the case
    until someone else takes it: they were given it, they did not take it from the queue."""
    if view.record.claimed_by != g.staff.id:
        return None
    handed = services().handover.handed_over(g.staff, view.record.id)
    return handed if handed is not None and handed.to_email == g.staff.email else None


@bp.post("/cases/<int:case_id>/transfer")
def transfer(case_id: int) -> BaseResponse:
    built = services()
    to = built.accounts.find(request.form.get("to", "")[:254])
    built.handover.transfer(case_id, g.staff, to, request.form.get("note", "")[
        : MAX_NOTE_CHARS * 2])
    if request.form.get("from") == "manage":
        # A supervisor handing over from the manage page goes back to it (it shows the new
        # holder); the holder handing over from the case page sees their shift without it.
        return redirect(url_for("advocates.manage", case_id=case_id, handed=1))
    # The giver may no longer read the case, so the confirmation is on their shift page.
    return redirect(url_for("advocates.shift_page", handed=case_id))


@bp.get("/shift")
def shift_page() -> BaseResponse:
    """The cases the signed-in member holds; a supervisor may ask for everyone's."""
    everyone = request.args.get("everyone") == "1"
    built = services()
    handed = request.args.get("handed", "")
    return Response(render_template(
        "advocates/shift.html", rows=built.handover.shift(g.staff, everyone), everyone=everyone,
        handed=built.handover.handed_over(g.staff, int(handed)) if handed.isdigit() else None,
        can_see_everyone=authz.can_see_every_shift(g.staff), now=built.clock()))
