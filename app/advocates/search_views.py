"""Find a case by its reference, status, priority, language or the dates it opened."""

from __future__ import annotations

from flask import Response, g, render_template, request

from app.advocates import bp
from app.casework import wording
from app.casework.desk import CLOSE_REASONS
from app.casework.finding import STATUSES, SearchRefused, Terms
from app.services import services
from app.staff import authz
from app.storage.case_search import MAX_FOUND, FoundCase


def _terms() -> Terms:
    args = request.args
    return Terms(reference=args.get("reference", "")[:32], status=args.get("status", "")[:16],
                 priority=args.get("priority", "")[:16], language=args.get("language", "")[:16],
                 opened_from=args.get("from", "")[:10], opened_to=args.get("to", "")[:10])


def _row(found: FoundCase, names: dict[int, str]) -> dict[str, object]:
    case_facts = authz.CaseFacts(found.status, found.claimed_by)
    return {
        "case": found, "priority": wording.priority(found.priority),
        "status": wording.say(wording.CASE_STATUSES, found.status),
        "language": wording.say(wording.LANGUAGES, found.language),
        "outcome": CLOSE_REASONS.get(found.closed_reason or "", found.closed_reason or ""),
        "holder": "" if found.status == "closed" else names.get(found.claimed_by or -1, ""),
        # Links only where they could lead somewhere; the case page checks the rules again.
        "can_open": g.staff.role != "admin" and (
            authz.holds(g.staff, case_facts) or g.staff.role == "supervisor"),
        "can_manage": authz.can_reassign(g.staff, case_facts)
        or authz.can_release(g.staff, case_facts),
    }


@bp.get("/search")
def search_page() -> Response:
    terms = _terms()
    error, rows = None, None
    if not terms.empty:
        try:
            found = services().casework.search(g.staff, terms)
        except SearchRefused as refused:
            error = f"The search was not run: {refused}."
        else:
            names = services().accounts.names()
            rows = [_row(item, names) for item in found]
    return Response(render_template(
        "advocates/search.html", terms=terms, error=error, rows=rows, wording=wording,
        statuses=STATUSES, most=MAX_FOUND,
        languages=services().settings.deployment.languages),
        status=400 if error else 200)



