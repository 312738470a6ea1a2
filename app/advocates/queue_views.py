"""The queue page and its live JSON, claiming, releasing and reassigning."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass

from flask import Response, g, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from app.advocates import bp
from app.casework import presence, wording
from app.casework.outbound_gate import EXPLANATIONS
from app.casework.queue_snapshots import QueueItem, QueueSnapshot
from app.crypto import content_tag
from app.services import services
from app.staff import authz
from app.staff.accounts import StaffMember

log = logging.getLogger(__name__)
MANAGING_ROLES = ("supervisor", "admin")
WINDOW_LABELS = {"inside": "Safe to contact now", "outside": "Outside safe time",
                 "not_given": "No safe time given", "not_needed": "Web chat",
                 **{reason: text.split(":")[0] for reason, text in EXPLANATIONS.items()}}


def flood_note(followers: int) -> str:
    """How the queue says that cases are listed under this one (app/conversation/floods.py)."""
    if not followers:
        return ""
    return (f"possible flood: {followers} more chat{'s' if followers != 1 else ''} "
            "from the same network")


def _shared(item: QueueItem) -> dict[str, object]:
    """What every advocate is shown of a case; built once per queue build (`_rows`)."""
    return {
        "id": item.id, "reference": item.reference, "priority": item.priority,
        "status": item.status, "language": item.language, "channel": item.channel,
        "reasons": list(item.reasons), "reasons_words": wording.reasons(item.reasons),
        "priority_words": wording.say(wording.PRIORITIES, item.priority),
        "language_words": wording.say(wording.LANGUAGES, item.language),
        "channel_words": wording.say(wording.CHANNELS, item.channel),
        "window": item.window, "window_label": WINDOW_LABELS.get(item.window, item.window),
        "flood_note": flood_note(item.flood_followers),
        "url": url_for("advocates.case", case_id=item.id),
    }


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


@dataclass(frozen=True)
class _Rendered:
    rows: list[tuple[str, str]]  # each row's shared JSON without its closing brace; manage URL
    tag: str  # changes whenever any of it does


class _Rows:
    """The shared part of every row, as JSON, for the queue build it was made from: thirty
    advocates polling twice a second share one rendering of 1,000 rows instead of each
    making their own (bench/staff_load.py). Each row is its JSON object without the closing
    brace, for `_Own.row` to finish with what is the advocate's own, and its manage URL."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._for: tuple[QueueItem, ...] | None = None
        self._rendered = _Rendered([], "")

    def of(self, snapshot: QueueSnapshot) -> _Rendered:
        with self._lock:
            if self._for is not snapshot.items:
                rows = [(_json(_shared(item))[:-1],
                         _json(url_for("advocates.manage", case_id=item.id)))
                        for item in snapshot.items]
                self._rendered = _Rendered(rows, content_tag("\n".join(r for r, _ in rows)))
                self._for = snapshot.items
            return self._rendered


_rows = _Rows()
_BOOL = {True: "true", False: "false"}


class _Own:
    """What one advocate's rows say that is theirs, or changes with time, written straight as
    JSON: a thousand rows per poll is too many to build as dicts and encode one by one."""

    def __init__(self, member: StaffMember, names: dict[int, str], unread: set[int],
                 overdue: list[str | None]) -> None:
        self.member = member
        self.can_claim = _BOOL[member.role in authz.CLAIMING_ROLES]
        self.manages = member.role in MANAGING_ROLES
        self.names = {member_id: _json(name) for member_id, name in names.items()}
        self.unread = unread
        self.overdue = overdue

    def tag(self, rendered: _Rendered) -> str:
        """The answer's ETag: what this advocate would be shown, except the waiting times,
        which the page moves on by itself while nothing else changes (queue.js)."""
        return content_tag("|".join([
            rendered.tag, str(self.member.id), self.member.role,
            ",".join(map(str, sorted(self.unread))),
            ",".join(f"{key}={value}" for key, value in sorted(self.names.items())),
            "\x1f".join(text or "" for text in self.overdue)]))

    def row(self, shared: tuple[str, str], item: QueueItem, waited: int,
            overdue: str | None) -> str:
        claimed_by = self.names.get(item.claimed_by, "null") if item.claimed_by else "null"
        # `unread`: survivor messages newer than this advocate last had on screen, on a case
        # they hold (app/storage/viewings.py says what "read" means).
        return (f'{shared[0]},"waiting_seconds":{waited:d},'
                f'"unread":{_BOOL[item.id in self.unread]},"claimed_by":{claimed_by},'
                f'"mine":{_BOOL[item.claimed_by == self.member.id]},'
                f'"can_claim":{self.can_claim},'
                f'"overdue":{"null" if overdue is None else _json(overdue)},'
                f'"manage_url":{shared[1] if self.manages else "null"}}}')


@bp.get("/queue")
def queue() -> Response:
    return Response(render_template("advocates/queue.html", member=g.staff))


@bp.get("/queue.json")
def queue_json() -> Response:
    """The live queue: the page polls this every second. Reasons are codes, never text."""
    casework = services().casework
    snapshot = casework.queue_snapshot(g.staff)
    try:
        presence.mark_watching(services().redis, g.staff.id)
    except Exception:  # noqa: BLE001 -- Redis down: the queue still works; alerts may double up
        log.warning("event=presence.unavailable")
    waits = casework.waiting(snapshot)
    sla = services().sla
    overdue = [sla.describe(item.priority, item.status, waited)
               for item, waited in zip(snapshot.items, waits, strict=True)]
    own = _Own(g.staff, services().accounts.names(), casework.unread(g.staff), overdue)
    rendered = _rows.of(snapshot)
    tag = own.tag(rendered)
    # Nothing but the waiting times changed since the page's last answer: say so in a few
    # bytes instead of 1,000 rows (the page sends the ETag back itself; staff answers are
    # no-store, so no browser cache keeps or replays them).
    if request.if_none_match.contains(tag):
        unchanged = Response(status=304)
        unchanged.set_etag(tag)
        return unchanged
    rows = [own.row(shared, item, waited, late) for shared, item, waited, late in
            zip(rendered.rows, snapshot.items, waits, overdue, strict=True)]
    answer = Response('{"cases":[' + ",".join(rows) + "]}", mimetype="application/json")
    answer.set_etag(tag)
    return answer


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
    services().casework.reassign(case_id, g.staff, to)
    return redirect(url_for("advocates.queue"))
