"""A case: its transcript (audited once per viewing), live updates, the survivor's choices,
the safe window and replies."""

from __future__ import annotations

import logging

from flask import Response, g, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from app.advocates import bp, case_sections, local_time, transcript
from app.advocates.call_views import live_calls
from app.advocates.queue_views import flood_note
from app.casework import wording
from app.casework.desk import CLOSE_REASONS, NotAllowed, facts
from app.casework.handover import MAX_NOTE_CHARS as MAX_HANDOVER_CHARS
from app.casework.replies import MAX_REPLY_CHARS
from app.services import services
from app.staff import authz

log = logging.getLogger(__name__)
# How often an open case page asks for what is new (case.js reads it from the page).
LIVE_INTERVAL_MS = 1000
MAX_SKIP = 1_000_000


def _purpose() -> str | None:
    purpose = request.args.get("purpose") or None
    return purpose if purpose in authz.PURPOSES else None


@bp.get("/cases/<int:case_id>")
def case(case_id: int) -> BaseResponse:
    built = services()
    purpose = request.args.get("purpose") or None
    record = built.casework.load(case_id)
    if authz.needs_purpose(g.staff, facts(record)) and purpose not in authz.PURPOSES:
        # Nothing of the case is shown, and nothing is audited, until a purpose is given.
        return Response(render_template("advocates/purpose.html", record=record,
                                        purposes=authz.PURPOSES))
    view = built.casework.open_case(case_id, g.staff, purpose, viewing=g.staff_session_id)
    replies = built.replies.for_case(case_id)
    case_facts = facts(view.record)
    page: dict[str, object] = {
        "view": view, "record": view.record, "member": g.staff, "wording": wording,
        "messages": transcript.shown(view.messages, replies, built.accounts.names(),
                                     local_time),
        "live_url": url_for("advocates.case_live", case_id=case_id, purpose=_purpose()),
        "live_interval": LIVE_INTERVAL_MS,
        "can_reply": authz.can_reply(g.staff, case_facts),
        "canned": built.replies.canned_choices(view.record.language),
        "close_reasons": CLOSE_REASONS, "max_chars": MAX_REPLY_CHARS,
        "advocates": built.accounts.assignable(g.staff, record.claimed_by),
        "can_reassign": authz.can_reassign(g.staff, case_facts),
        "can_release": authz.can_release(g.staff, case_facts),
        "can_close": authz.can_close(g.staff, case_facts),
        "flood_followers": built.casework.flood_followers(case_id),
        "flood_note": flood_note, "can_claim": g.staff.role in authz.CLAIMING_ROLES,
        "earlier": built.casework.earlier_cases(view.record),
    }
    page.update(case_sections.context(view, g.staff, page))
    return Response(render_template("advocates/case.html", **page))


@bp.get("/cases/<int:case_id>/live.json")
def case_live(case_id: int) -> Response:
    """What an open case page lacks: messages after the first `after`, every reply's state,
    the case's status and delivery gate, and its calls' states. Same rules as the page,
    checked on every call; no audit row of its own (the viewing's row covers it:
    docs/threat-model.md, A4)."""
    built = services()
    skip = min(max(request.args.get("after", 0, type=int), 0), MAX_SKIP)
    live = built.casework.live(case_id, g.staff, _purpose(), viewing=g.staff_session_id,
                               skip=skip, seen=request.args.get("seen") == "1")
    replies = built.replies.for_case(case_id)
    case_facts = facts(live.record)
    return jsonify({
        "count": live.count,
        "messages": transcript.as_json(transcript.shown(
            live.messages, replies, built.accounts.names(), local_time)),
        "deliveries": transcript.deliveries(replies, local_time),
        "status": live.record.status,
        "status_words": wording.say(wording.CASE_STATUSES, live.record.status),
        "gate": live.gate.explanation,
        "can_reply": authz.can_reply(g.staff, case_facts),
        **live_calls(live.record),
    })


@bp.get("/cases/<int:case_id>/manage")
def manage(case_id: int) -> BaseResponse:
    """Release, reassign or hand over a case without reading it: no content (not even the
    earlier handover notes), so no transcript audit."""
    built = services()
    record = built.casework.load(case_id)
    case_facts = facts(record)
    can_transfer = authz.can_transfer(g.staff, case_facts)
    if not (authz.can_reassign(g.staff, case_facts) or authz.can_release(g.staff, case_facts)
            or can_transfer):
        raise NotAllowed("manage")
    names = built.accounts.names()
    return Response(render_template(
        "advocates/manage.html", record=record, holder=names.get(record.claimed_by or -1),
        advocates=built.accounts.assignable(g.staff, record.claimed_by), wording=wording,
        can_reassign=authz.can_reassign(g.staff, case_facts),
        can_release=authz.can_release(g.staff, case_facts), can_transfer=can_transfer,
        receivers=built.handover.receivers(g.staff, record) if can_transfer else [],
        max_note_chars=MAX_HANDOVER_CHARS))


def _reply_text(case_id: int) -> tuple[str, str]:
    """The reply to check, and (for a canned reply not in the survivor's language) which
    language it is in, in words."""
    canned = request.form.get("canned", "")
    if canned:
        record = services().casework.load(case_id)
        for offered in services().replies.canned_choices(record.language):
            if offered.key == canned:
                return offered.text, wording.canned_language(offered.language,
                                                             record.language)
    return request.form.get("text", "")[: MAX_REPLY_CHARS * 2], ""


@bp.post("/cases/<int:case_id>/reply/preview")
def preview(case_id: int) -> BaseResponse:
    text, language_note = _reply_text(case_id)
    built = services()
    draft = built.replies.draft(case_id, g.staff, text)
    return Response(render_template("advocates/preview.html", draft=draft, case_id=case_id,
                                    language_note=language_note,
                                    zone=built.settings.deployment.opening_hours.timezone),
                    status=200 if not draft.problems else 422)


@bp.post("/cases/<int:case_id>/reply")
def reply(case_id: int) -> BaseResponse:
    built = services()
    reply_id, gate = built.replies.send(case_id, g.staff, request.form.get("text", ""))
    record = built.casework.load(case_id)
    if gate.open and record.channel == "sms":
        built.dispatcher.reply(reply_id)
    return redirect(url_for("advocates.case", case_id=case_id))


@bp.post("/cases/<int:case_id>/window")
def window(case_id: int) -> BaseResponse:
    services().casework.set_window(case_id, g.staff, request.form.get("window", "")[:64])
    # Replies that were waiting for a window are re-checked by the sweeper within seconds.
    return redirect(url_for("advocates.case", case_id=case_id))


@bp.post("/cases/<int:case_id>/close")
def close(case_id: int) -> BaseResponse:
    """Close the case; replies not yet sent go or are withdrawn as the form says."""
    # The replies the form showed (app/casework/held_replies.py: a newer one refuses the close).
    seen = frozenset(int(part) for part in request.form.get("held_seen", "")[:2000].split(",")
                     if part.isdigit() and len(part) < 10)
    services().replies.held.close(case_id, g.staff, request.form.get("reason", ""),
                                  request.form.get("held", ""), seen)
    return redirect(url_for("advocates.queue"))
