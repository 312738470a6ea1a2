"""The queue page and its live JSON, claiming, releasing and reassigning."""

from __future__ import annotations

import logging

from flask import Response, g, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from app.advocates import bp
from app.advocates.answers import answer
from app.casework import presence, wording
from app.casework.desk import QueueItem
from app.casework.outbound_gate import EXPLANATIONS
from app.services import services
from app.staff import authz

log = logging.getLogger(__name__)
WINDOW_LABELS = {"inside": "Safe to contact now", "outside": "Outside safe time",
                 "not_given": "No safe time given", "not_needed": "Web chat",
                 **{reason: text.split(":")[0] for reason, text in EXPLANATIONS.items()}}


def flood_note(followers: int) -> str:
    """How the queue says that cases are listed under this one (app/conversation/floods.py)."""
    if not followers:
        return ""
    return (f"possible flood: {followers} more chat{'s' if followers != 1 else ''} "
            "from the same network")


def _item(item: QueueItem, names: dict[int, str], unread: set[int]) -> dict[str, object]:
    return {
        "id": item.id, "reference": item.reference, "priority": item.priority,
        "status": item.status, "language": item.language, "channel": item.channel,
        "reasons": list(item.reasons), "reasons_words": wording.reasons(item.reasons),
        "priority_words": wording.say(wording.PRIORITIES, item.priority),
        "language_words": wording.say(wording.LANGUAGES, item.language),
        "channel_words": wording.say(wording.CHANNELS, item.channel),
        "waiting_seconds": item.waiting_seconds,
        # Survivor messages newer than this advocate last had on screen, on a case they hold
        # (app/storage/viewings.py says what "read" means).
        "unread": item.id in unread,
        "claimed_by": names.get(item.claimed_by or -1), "mine": item.claimed_by == g.staff.id,
        "can_claim": g.staff.role in authz.CLAIMING_ROLES,
        "window": item.window, "window_label": WINDOW_LABELS.get(item.window, item.window),
        "overdue": services().sla.describe(item.priority, item.status, item.waiting_seconds),
        "flood_note": flood_note(item.flood_followers),
        "url": url_for("advocates.case", case_id=item.id),
        "manage_url": url_for("advocates.manage", case_id=item.id)
        if g.staff.role in ("supervisor", "admin") else None,
    }


@bp.get("/queue")
def queue() -> Response:
    return Response(render_template("advocates/queue.html", member=g.staff))


@bp.get("/queue.json")
def queue_json() -> Response:
    """The live queue: the page polls this every second. Reasons are codes, never text."""
    items = services().casework.queue(g.staff)
    try:
        presence.mark_watching(services().redis, g.staff.id)
    except Exception:  # noqa: BLE001 -- Redis down: the queue still works; alerts may double up
        log.warning("event=presence.unavailable")
    names = services().accounts.names()
    unread = services().casework.unread(g.staff)
    return jsonify({"cases": [_item(item, names, unread) for item in items]})


@bp.post("/cases/<int:case_id>/claim")
def claim(case_id: int) -> BaseResponse:
    services().casework.claim(case_id, g.staff)
    if request.headers.get("X-Requested-With") == "fetch":
        return jsonify({"ok": True, "url": url_for("advocates.case", case_id=case_id)})
    return redirect(url_for("advocates.case", case_id=case_id))


@bp.post("/cases/<int:case_id>/release")
def release(case_id: int) -> BaseResponse:
    services().casework.release(case_id, g.staff)
    return redirect(url_for("advocates.queue"))


@bp.post("/cases/<int:case_id>/reassign")
def reassign(case_id: int) -> BaseResponse:
    to = services().accounts.find(request.form.get("to", "")[:254])
    if to is None:
        return answer(400, "Choose an advocate to give the case to.")
    services().casework.reassign(case_id, g.staff, to)
    return redirect(url_for("advocates.queue"))
