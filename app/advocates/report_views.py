"""The partnership report for supervisors and admins: the same figures as `flask report`,
as tables and server-drawn bar charts (SVG in the page; no script, no chart library)."""

from __future__ import annotations

from flask import Response, g, render_template, request
from werkzeug.wrappers.response import Response as BaseResponse

from app import hours
from app.advocates import bp
from app.advocates.answers import answer
from app.casework import wording
from app.casework.desk import NotAllowed
from app.reporting import figures as report
from app.services import services
from app.staff import authz

TITLES = {
    "contacts_by_channel": "Contacts by channel",
    "contacts_by_language": "Language need",
    "contacts_by_hour": "Contacts by hour of day",
    "contacts_by_day": "Contacts by day of week",
    "escalations_by_priority": "Requests for a person by priority",
    "escalations_by_reason": "Requests for a person by reason",
    "first_human_reply_time": "Time to a first reply from a person",
    "outcomes": "Outcomes",
}
# Each chart's categories in words (codes in `flask report`'s JSON, words on the page).
WORDS = {
    "contacts_by_channel": wording.CHANNELS,
    "contacts_by_language": {**wording.LANGUAGES, "unknown": "not known"},
    "escalations_by_reason": wording.REASONS,
    "outcomes": wording.OUTCOMES,
}


@bp.get("/report")
def report_page() -> BaseResponse:
    if not authz.can_view_audit(g.staff):  # the same oversight roles
        raise NotAllowed("report")
    built = services()
    opening = built.settings.deployment.opening_hours
    today = hours.local_today(built.clock(), opening.timezone)
    # Whole months that are over, only (report.date_range says why): the last one by default.
    month_first, month_last = report.last_full_month(built.clock(), opening.timezone)
    start = request.args.get("from") or month_first.isoformat()
    end = request.args.get("to") or month_last.isoformat()
    try:
        first, last = report.date_range(start, end, today)
    except report.ReportRangeError as error:
        return answer(400, f"The report was not made: {error}.")
    figures = report.build(built.database, first, last, timezone=opening.timezone)
    charts = {name: _bars(cells, WORDS.get(name, {})) for name, cells in figures.sections.items()}
    return Response(render_template("advocates/report.html", figures=figures, titles=TITLES,
                                    charts=charts, start=start, end=end,
                                    repeat_contact=report.REPEAT_CONTACT))


def _bars(cells: dict[str, int | str], words: dict[str, str]
          ) -> list[tuple[str, int | str, float]]:
    """(label in words, value, bar width 0-100) for each cell; suppressed cells get no bar."""
    largest = max((v for v in cells.values() if isinstance(v, int)), default=0) or 1
    return [(wording.say(words, label), value,
             100.0 * value / largest if isinstance(value, int) else 0.0)
            for label, value in cells.items()]
