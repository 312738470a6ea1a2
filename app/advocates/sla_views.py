"""Cases left unclaimed past their target, for supervisors (app/casework/sla.py). No content:
references, targets and times."""

from __future__ import annotations

from flask import Response, g, render_template
from werkzeug.wrappers.response import Response as BaseResponse

from app.advocates import bp
from app.casework.desk import NotAllowed
from app.services import services
from app.staff import authz

WORDS = {
    "coalesced": "no: a flood alert had just gone out",
    "no phone": "no: no phones are set for this",
    "out of hours": "no: out of hours, a high case waits for the team",
    "claimed first": "no need: claimed first",
}


def alert_words(result: str | None) -> str:
    """What became of the re-alert, in words (the row keeps short result codes)."""
    if result is None:
        return "in progress"
    if result in WORDS:
        return WORDS[result]
    outcomes = set(result.split(","))
    if outcomes <= {"sent", "nothing to do"}:
        return "yes"
    if "sent" in outcomes:
        return "some phones: others failed"
    return "tried, but it failed"


@bp.get("/overdue")
def overdue_page() -> BaseResponse:
    if not authz.can_view_overdue(g.staff):
        raise NotAllowed("overdue")
    built = services()
    policy = built.settings.deployment.casework
    return Response(render_template("advocates/overdue.html", breaches=built.sla.listing(),
                                    policy=policy, alert_words=alert_words))
