"""Records kept after the survivor's erasure, for supervisors (`app.casework.kept_records`):
a list to find them by (erased cases are never found by a search, having no reference), then
a purpose, then the records, each page marked as belonging to an erased conversation."""

from __future__ import annotations

from flask import Response, g, render_template, request
from werkzeug.wrappers.response import Response as BaseResponse

from app.advocates import bp
from app.advocates.answers import answer
from app.casework import wording
from app.casework.desk import NotAllowed
from app.casework.kept_records import MOST_LISTED, NothingKept
from app.casework.referrals import BASES
from app.services import services
from app.staff import authz, records_authz


@bp.get("/kept")
def kept_list() -> Response:
    built = services()
    return Response(render_template(
        "advocates/kept_list.html", listed=built.kept_records.listing(g.staff),
        wording=wording, most=MOST_LISTED,
        keeping=built.settings.deployment.casework.keep_notes_after_erasure))


@bp.get("/cases/<int:case_id>/kept")
def kept_records(case_id: int) -> BaseResponse:
    if not records_authz.can_ask_for_kept_records(g.staff):
        raise NotAllowed("kept")
    purpose = request.args.get("purpose") or None
    if purpose not in authz.PURPOSES:
        # Nothing is opened, and nothing audited, until a purpose is given.
        return Response(render_template("advocates/kept_purpose.html", case_id=case_id,
                                        purposes=authz.PURPOSES))
    built = services()
    kept = built.kept_records.read(case_id, g.staff, purpose, viewing=g.staff_session_id)
    return Response(render_template(
        "advocates/kept.html", kept=kept, purpose=purpose, purposes=authz.PURPOSES,
        authors=built.accounts.names(), checklist=built.risk.checklist,
        agencies=built.referrals.agencies, bases=BASES))


@bp.errorhandler(NothingKept)
def nothing_kept(_error: NothingKept) -> Response:
    return answer(410, "The survivor deleted this conversation, and none of the case's "
                       "records were kept (or retention has since destroyed them).")
