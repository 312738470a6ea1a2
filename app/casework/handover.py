"""Handing a case to a colleague with a note, and the shift summary of cases held.

A transfer builds on reassigning (`app.casework.desk`): the same conditional UPDATE, so a
case that changed meanwhile, or a receiver disabled meanwhile, is never handed over; and it
adds what a shift change needs. The receiver must be on shift (signed in and active now: a
case given to someone away sits with nobody answering), and the note for them is sealed under
the conversation's key like a message (`app.storage.handover_notes`) and shown on the case to
whoever may read it. The audit row says who handed which case to whom and when, never the note.

The shift summary lists the cases someone holds with times and counts only (no message
content): what to pick up, what waits for a reply, which replies are held.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app import audit
from app.casework.desk import (
    CaseConflict,
    CaseView,
    Casework,
    FormIncomplete,
    NotAllowed,
    facts,
)
from app.casework.escalation import PRIORITY_NAMES
from app.staff import authz
from app.staff.accounts import Accounts, StaffMember
from app.staff.sessions import StaffSessions
from app.storage import cases, handover_notes
from app.storage.models import Conversation, Escalation, Message, Reply, table_of
from app.storage.times import aware, utc

log = logging.getLogger(__name__)
MAX_NOTE_CHARS = 2000
escalations, conversations = table_of(Escalation), table_of(Conversation)
messages, replies = table_of(Message), table_of(Reply)
_e, _m = escalations.c, messages.c


@dataclass(frozen=True)
class Handed:
    """One handover on a case: who to whom, when, and the note (opened for a reader)."""

    from_email: str
    to_email: str
    note: str
    at: datetime


@dataclass(frozen=True)
class Held:
    """One row of the shift summary. Times and counts, never content."""

    case_id: int
    reference: str
    holder: str
    priority: str
    status: str
    opened_at: datetime
    last_survivor_at: datetime | None
    # When the survivor's last message has had no advocate reply since (None: answered).
    unanswered_since: datetime | None
    # Replies written but held (for the safe time, or by the survivor's STOP, pause...): they
    # still go when it is safe, also after a handover, so whoever hands over must see them.
    held_replies: int
    held_first: datetime | None = None  # the earliest safe time one of them waits for
    held_last: datetime | None = None  # the latest (the same as the first for one time)


@dataclass(frozen=True)
class HandedOver:
    """A handover just made, as the giver and the receiver are told of it: the facts only,
    never the note. Nothing goes to the survivor when a case changes hands; what was held for
    them (`held_replies`) still goes at its safe time unless the new holder withdraws it."""

    case_id: int
    reference: str
    from_email: str
    to_email: str
    at: datetime
    held_replies: int


@dataclass(kw_only=True)
class Handover:
    casework: Casework
    accounts: Accounts
    sessions: StaffSessions
    clock: Callable[[], datetime]

    def receivers(self, giver: StaffMember, record: cases.CaseRecord) -> list[str]:
        """Whom `giver` may hand this case to now: active colleagues on shift (the same rule
        as `authz.can_transfer_to`, so the list offers nothing that would be refused)."""
        if not authz.can_transfer(giver, facts(record)):
            return []
        on_shift = self.sessions.on_shift()
        found = []
        for email in self.accounts.assignable(giver):
            to = self.accounts.find(email)
            if to is not None and authz.can_transfer_to(giver, facts(record), to,
                                                        to.id in on_shift):
                found.append(email)
        return found

    def transfer(self, case_id: int, member: StaffMember, to: StaffMember | None,
                 note: str) -> None:
        """Hand the case to `to` with a note for them, in one transaction with its audit row
        (None: the form named nobody, refused once the member was found allowed)."""
        record = self.casework.load(case_id)
        if not authz.can_transfer(member, facts(record)):
            raise NotAllowed("transfer")
        if to is None:
            raise FormIncomplete("Choose the colleague to hand the case to.")
        note = note.strip()
        if not note:
            raise CaseConflict("Write a note for the colleague taking the case over.")
        if len(note) > MAX_NOTE_CHARS:
            raise CaseConflict(f"The note is longer than {MAX_NOTE_CHARS} characters.")
        if not authz.can_transfer_to(member, facts(record), to, to.id in self.sessions.on_shift()):
            raise CaseConflict(
                "Cases can only be handed to another advocate or supervisor who is signed in "
                "now. Choose someone on shift, or release the case to the queue.")
        now = self.clock()
        database = self.casework.database
        with database.transaction() as connection:
            moved = cases.transition(
                connection, case_id, expect=(record.status,), expect_holder=record.claimed_by,
                assignee_active=to.id, status="claimed", claimed_by=to.id, claimed_at=now)
            if moved:
                handover_notes.add(connection, record, from_advocate=member.id,
                                   to_advocate=to.id, text=note, now=now)
                audit.record(connection, now=now, actor=audit.staff(member.id),
                             action="case.transferred", conversation_id=record.conversation_id,
                             escalation_id=case_id)
        if not moved:
            raise CaseConflict("The case changed while you were looking at it; reload.")
        log.info("event=case.transferred escalation=%s advocate=%s to=%s", case_id, member.id,
                 to.id)

    def handed_over(self, member: StaffMember, case_id: int) -> HandedOver | None:
        """The case's newest handover if `member` gave or received it (None otherwise, so a
        case id in a confirmation's address tells nobody else anything)."""
        with self.casework.database.transaction() as connection:
            latest = handover_notes.latest(connection, case_id)
            if latest is None or member.id not in (latest.from_advocate, latest.to_advocate):
                return None
            reference = connection.execute(
                select(conversations.c.reference).join(
                    escalations, escalations.c.conversation_id == conversations.c.id)
                .where(_e.id == case_id)).scalar_one()
            held = connection.execute(select(func.count()).select_from(replies).where(
                replies.c.escalation_id == case_id, replies.c.status == "held")).scalar_one()
        names = self.accounts.names()
        return HandedOver(case_id, reference,
                          names.get(latest.from_advocate, "a former colleague"),
                          names.get(latest.to_advocate, "a former colleague"),
                          latest.created_at, int(held))

    def handovers(self, view: CaseView) -> list[Handed]:
        """The case's handovers with their notes. Takes the `CaseView` that `open_case` gave
        (allowed and audited there), so no note is read without the case being read."""
        with self.casework.database.transaction() as connection:
            stored = handover_notes.for_case(connection, view.record)
        names = self.accounts.names()
        return [Handed(names.get(n.from_advocate, "a former colleague"),
                       names.get(n.to_advocate, "a former colleague"), n.text, n.created_at)
                for n in stored]

    def shift(self, member: StaffMember, everyone: bool = False) -> list[Held]:
        """The cases `member` holds (with `everyone`, a supervisor's view: all held cases),
        most urgent first. References, times and counts only."""
        if everyone and not authz.can_see_every_shift(member):
            raise NotAllowed("shift")
        last_in = (select(_m.conversation_id, func.max(_m.created_at).label("at"))
                   .where(_m.direction == "in").group_by(_m.conversation_id).subquery())
        last_advocate = (select(_m.conversation_id, func.max(_m.created_at).label("at"))
                         .where(_m.author == "advocate").group_by(_m.conversation_id)
                         .subquery())
        held = (select(replies.c.escalation_id, func.count().label("n"),
                       func.min(replies.c.not_before).label("first"),
                       func.max(replies.c.not_before).label("last"))
                .where(replies.c.status == "held").group_by(replies.c.escalation_id)
                .subquery())
        query = (select(_e.id, _e.priority, _e.status, _e.created_at, _e.claimed_by,
                        conversations.c.reference, last_in.c.at.label("last_in"),
                        last_advocate.c.at.label("last_out"), held.c.n.label("held"),
                        held.c.first.label("held_first"), held.c.last.label("held_last"))
                 .join(conversations, conversations.c.id == _e.conversation_id)
                 .outerjoin(last_in, last_in.c.conversation_id == _e.conversation_id)
                 .outerjoin(last_advocate,
                            last_advocate.c.conversation_id == _e.conversation_id)
                 .outerjoin(held, held.c.escalation_id == _e.id)
                 .where(_e.status == "claimed")
                 .order_by(_e.claimed_by, _e.priority.desc(), _e.created_at))
        if not everyone:
            query = query.where(_e.claimed_by == member.id)
        with self.casework.database.transaction() as connection:
            rows = connection.execute(query).all()
        names = self.accounts.names()
        found = []
        for r in rows:
            last_in_at, last_out_at = aware(r.last_in), aware(r.last_out)
            waiting = last_in_at if last_in_at and (
                last_out_at is None or last_out_at < last_in_at) else None
            found.append(Held(r.id, r.reference, names.get(r.claimed_by, "-"),
                              PRIORITY_NAMES.get(r.priority, "routine"), r.status,
                              utc(r.created_at), last_in_at, waiting, int(r.held or 0),
                              aware(r.held_first), aware(r.held_last)))
        return found
