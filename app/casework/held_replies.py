"""Replies written on a case that have not gone yet, and withdrawing them.

What a survivor and an advocate expect (docs/architecture.md, "Replies not yet sent"): a reply
was written, while the advocate held the case, for the survivor, who is often waiting for it at
the safe time they gave. Closing, releasing or handing the case over is the service's own
bookkeeping, so it does not silently drop that reply: it still goes when the outbound gate
opens (`outbound_gate.decide`, which looks at the survivor, never at the case's status). What
protects the survivor (erasure, STOP, pause, the duress word) holds it exactly as before.

So that nothing goes that nobody meant any more, the case page and its close, release and
hand-over forms say how many replies are waiting and until when, an advocate can withdraw one,
and closing a case with replies waiting asks whether they still go or are withdrawn. A
withdrawn reply is cancelled (reason `withdrawn`) and audited (`reply.withdrawn`); its text
stays in the sealed transcript like any other reply that was never sent, shown as "will not be
sent (withdrawn)", and goes with the conversation's key on erasure or retention.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from app import audit
from app.casework.desk import CaseConflict, Casework, FormIncomplete, NotAllowed, facts
from app.staff import authz
from app.staff.accounts import StaffMember
from app.storage import cases
from app.storage.models import Reply, table_of
from app.storage.times import aware, utc

log = logging.getLogger(__name__)
replies = table_of(Reply)

# A reply that has not gone: held by the gate, or queued (an SMS about to be sent, a web reply
# waiting for the survivor's page to collect it). "sending" has left our hands.
WAITING = ("queued", "held")
# What the close form asks when replies are waiting, of one reply and of several: the advocate
# reads "it" of one and "they" of several in every sentence about them (like the panel).
HELD_CHOICES = {"send": "Still send them when it is safe for the survivor",
                "withdraw": "Withdraw them: they will not be sent"}
HELD_CHOICE_ONE = {"send": "Still send it when it is safe for the survivor",
                   "withdraw": "Withdraw it: it will not be sent"}


@dataclass(frozen=True)
class WaitingReply:
    id: int
    advocate_id: int | None
    written_at: datetime
    status: str
    hold_reason: str | None
    not_before: datetime | None  # when the safe window opens, if that is all it waits for


class HeldReplies:
    def __init__(self, *, casework: Casework, clock: Callable[[], datetime]) -> None:
        self.casework = casework
        self.clock = clock

    def waiting(self, case_id: int) -> list[WaitingReply]:
        """The case's replies not yet gone, oldest first: times and authors, no text."""
        with self.casework.database.transaction() as connection:
            return waiting_in(connection, case_id)

    def withdraw(self, case_id: int, member: StaffMember, reply_id: int) -> None:
        """Withdraw one reply that has not gone; CaseConflict if it went (or was withdrawn)
        meanwhile: the conditional update decides, so a worker taking it cannot race this."""
        record = self.casework.load(case_id)
        if not authz.can_withdraw_reply(member, facts(record)):
            raise NotAllowed("withdraw")
        with self.casework.database.transaction() as connection:
            withdrawn = self._withdraw(connection, record, member, reply_id)
        if not withdrawn:
            raise CaseConflict("That reply is no longer waiting: it has gone, or it was "
                               "withdrawn already. Reload to see where it is.")

    def close(self, case_id: int, member: StaffMember, reason: str, held: str,
              seen: frozenset[int] = frozenset()) -> None:
        """Close the case; with replies waiting, `held` says whether they still go ("send") or
        are withdrawn ("withdraw"), and `seen` names the replies the form showed: the choice
        is about those, so a reply written after the form was shown (by a colleague, or in
        another tab) refuses the close until the advocate has looked again, rather than being
        swept into a choice made without it.

        The replies are counted, and the choice applied, inside the transaction that closes
        the case, after its UPDATE: that holds the case's row (PostgreSQL) or the database's
        write lock (SQLite) until the commit, and `Replies.send` takes the same lock before it
        stores a reply, so no reply can be written between the count and the close and go
        without the advocate having chosen. Refusing (no choice made) rolls the close back."""
        record = self.casework.load(case_id)
        if not authz.can_close(member, facts(record)):
            raise NotAllowed("close")

        def decide(connection: Connection) -> None:
            waiting = waiting_in(connection, case_id)
            unseen = [reply for reply in waiting if reply.id not in seen]
            if unseen:
                raise FormIncomplete(recheck_question(len(unseen), len(waiting)) if seen
                                     else close_question(len(waiting)))
            if waiting and held not in HELD_CHOICES:
                raise FormIncomplete(close_question(len(waiting)))
            if waiting and held == "withdraw":
                for reply in waiting:
                    self._withdraw(connection, record, member, reply.id)

        self.casework.close(case_id, member, reason, then=decide)

    def _withdraw(self, connection: Connection, record: cases.CaseRecord,
                  member: StaffMember, reply_id: int) -> bool:
        taken = connection.execute(
            update(replies).where(replies.c.id == reply_id,
                                  replies.c.escalation_id == record.id,
                                  replies.c.status.in_(WAITING))
            .values(status="cancelled", hold_reason="withdrawn", not_before=None)).rowcount
        if taken:
            audit.record(connection, now=self.clock(), actor=audit.staff(member.id),
                         action="reply.withdrawn", conversation_id=record.conversation_id,
                         escalation_id=record.id)
            log.info("event=reply.withdrawn escalation=%s reply=%s advocate=%s", record.id,
                     reply_id, member.id)
        return bool(taken)


def waiting_in(connection: Connection, case_id: int) -> list[WaitingReply]:
    """The case's replies not yet gone, oldest first, read on `connection` (so inside the
    caller's transaction): times and authors, no text."""
    rows = connection.execute(
        select(replies.c.id, replies.c.advocate_id, replies.c.created_at,
               replies.c.status, replies.c.hold_reason, replies.c.not_before)
        .where(replies.c.escalation_id == case_id, replies.c.status.in_(WAITING))
        .order_by(replies.c.created_at, replies.c.id)).all()
    return [WaitingReply(r.id, r.advocate_id, utc(r.created_at), r.status, r.hold_reason,
                         aware(r.not_before)) for r in rows]


def count_words(count: int) -> str:
    """"1 reply" / "3 replies"."""
    return f"{count} repl{'y' if count == 1 else 'ies'}"


def held_choices(count: int) -> dict[str, str]:
    """The close form's choices for `count` waiting replies, "it" of one, "them" of several."""
    return HELD_CHOICE_ONE if count == 1 else HELD_CHOICES


def close_question(count: int) -> str:
    """Why a close with `count` replies waiting and no choice made is refused."""
    if count == 1:
        return ("1 reply not sent yet: choose whether it still goes to the survivor when it "
                "is safe, or is withdrawn, then close the case.")
    return (f"{count_words(count)} not sent yet: choose whether they still go to the "
            "survivor when it is safe, or are withdrawn, then close the case.")


def recheck_question(unseen: int, waiting: int) -> str:
    """Why a close is refused when `unseen` of the `waiting` replies were not on its form."""
    written = "1 reply was" if unseen == 1 else f"{unseen} replies were"
    return (f"{written} written after this page was opened, so the case was not closed: "
            f"{count_words(waiting)} not sent yet now. Look at them again and choose whether "
            "they still go to the survivor when it is safe, or are withdrawn, then close the "
            "case.")
