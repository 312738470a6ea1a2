"""The audit trail for supervisors and admins: filter, page back, export as CSV."""

from __future__ import annotations

from flask import Response, g, render_template, request
from werkzeug.wrappers.response import Response as BaseResponse

from app.advocates import bp
from app.advocates.answers import answer
from app.audit import chain as audit_chain
from app.audit import read as audit_log
from app.casework.desk import NotAllowed
from app.services import services
from app.staff import authz


def _filters() -> audit_log.Filters | Response:
    if not authz.can_view_audit(g.staff):
        raise NotAllowed("audit")
    names = services().accounts.names(disabled_too=True)
    try:
        return audit_log.Filters.parse(
            dict(request.args), {email: i for i, email in names.items()},
            services().settings.deployment.opening_hours.timezone)
    except audit_log.FilterError as error:
        return answer(400, f"The filter was not used: {error}.")


@bp.get("/audit")
def audit_page() -> BaseResponse:
    filters = _filters()
    if isinstance(filters, Response):
        return filters
    built = services()
    names = built.accounts.names(disabled_too=True)
    before = request.args.get("before", "")
    rows = audit_log.entries(built.database, filters, before=int(before) if before.isdigit()
                             and int(before) <= audit_log.LARGEST_ID else None)
    audit_log.record_reading(built.database, g.staff.id, "audit.viewed", built.clock())
    verdict = audit_chain.verify(built.database, built.chain_key)
    query = {k: v for k, v in request.args.items() if k != "before"}
    return Response(render_template(
        "advocates/audit.html", rows=rows, names=names, verdict=verdict,
        who=audit_log.who, purpose=audit_log.purpose,
        args=request.args, query=query, page=audit_log.PAGE))


@bp.get("/audit.csv")
def audit_export() -> BaseResponse:
    filters = _filters()
    if isinstance(filters, Response):
        return filters
    built = services()
    rows = audit_log.entries(built.database, filters, limit=audit_log.MAX_EXPORT)
    audit_log.record_reading(built.database, g.staff.id, "audit.exported", built.clock())
    names = built.accounts.names(disabled_too=True)
    response = Response(audit_log.as_csv(rows, names), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response
