"""Replies not yet sent on a case: the list the case page and the manage page show (so a case
is never released, handed over or closed without its holder seeing what is still to go), and
withdrawing one (app/casework/held_replies.py says why they still go otherwise).

`held_panel` is a template global, like `handover_panel`: it shows times, authors and why each
reply waits, never its text, so the manage page (which reads nothing of the case) may show it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, redirect, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from app.advocates import bp, local_time
from app.casework import wording
from app.casework.desk import facts
from app.casework.held_replies import WaitingReply, count_words, held_choices
from app.services import services
from app.staff import authz
from app.storage.cases import CaseRecord


@dataclass(frozen=True)
class HeldPanel:
    waiting: list[tuple[WaitingReply, str]]  # each reply, and one line: who, when, until when
    can_withdraw: bool
    heading: str  # "2 replies not sent yet", "" when none
    until: str  # "held until Mon 07 Dec 18:00" when one time applies to them all, else ""
    choices: dict[str, str]


def waits(reply: WaitingReply) -> str:
    """Why it has not gone, in words: "held until Mon 07 Dec 18:00 (outside the safe time)"."""
    if reply.status != "held":
        return wording.say(wording.REPLY_STATUSES, reply.status)
    until = f" until {local_time(reply.not_before)}" if reply.not_before else ""
    return f"held{until} ({wording.say(wording.HOLD_REASONS, reply.hold_reason or '')})"


@bp.app_template_global()
def held_panel(record: CaseRecord) -> HeldPanel:
    waiting = services().replies.held.waiting(record.id)
    names = services().accounts.names()
    lines = [(reply, f"Written {local_time(reply.written_at)} by "
                     f"{names.get(reply.advocate_id or -1, 'a former colleague')}: "
                     f"{waits(reply)}") for reply in waiting]
    times = {reply.not_before for reply in waiting}
    only = next(iter(times)) if len(times) == 1 else None
    return HeldPanel(lines, authz.can_withdraw_reply(g.staff, facts(record)),
                     f"{count_words(len(waiting))} not sent yet" if waiting else "",
                     f"held until {local_time(only)}" if only else "",
                     held_choices(len(waiting)))


@bp.post("/cases/<int:case_id>/replies/<int:reply_id>/withdraw")
def withdraw_reply(case_id: int, reply_id: int) -> BaseResponse:
    services().replies.held.withdraw(case_id, g.staff, reply_id)
    if request.form.get("from") == "manage":
        return redirect(url_for("advocates.manage", case_id=case_id))
    purpose = request.form.get("purpose") or None
    return redirect(url_for("advocates.case", case_id=case_id,
                            purpose=purpose if purpose in authz.PURPOSES else None)
                    + "#held-replies")
