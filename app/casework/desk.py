"""Casework: the queue (who may see it; its rows are built in queue_snapshots.py), claiming,
reading and closing cases. The advocates' views call this.

Every decision about who may do what is in `app.staff.authz`; every action writes an audit row in
the same transaction (`app.audit`); a case's status only changes through a conditional UPDATE
(`cases.transition`), so concurrent clicks resolve in the database, never in Python.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from app import audit
from app.casework import finding, outbound_gate, safe_time
from app.casework.queue_snapshots import QueueSnapshot, SharedQueue
from app.crypto import Keyring
from app.deployment import Deployment
from app.flows import Choice, ConversationState
from app.staff import authz
from app.staff.accounts import StaffMember
from app.storage import case_search, cases, tallies, transcripts, viewings
from app.storage.db import Database
from app.storage.times import utc

log = logging.getLogger(__name__)
CLOSE_REASONS = {
    "supported": "Supported: the survivor has what they asked for",
    "referred": "Referred to another service",
    "no_response": "No response from the survivor",
    "duplicate": "Duplicate of another case",
}


class CaseNotFound(LookupError):
    pass


class CaseErased(LookupError):
    """The survivor erased the conversation: the case is closed and nothing of it is left."""


class NotAllowed(PermissionError):
    """This member of staff may not do this to this case."""


class ViewingNotStarted(PermissionError):
    """A live update for a case this staff session has not opened (with this purpose): the
    page must be loaded again, which audits the viewing, before any content is sent."""


class CaseConflict(RuntimeError):
    """The case changed under the action (claimed by someone else, closed); `message` says."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FormIncomplete(ValueError):
    """The form lacks what the action needs (whom to give the case to); `message` says what.
    Raised only after the member was found allowed to act on the case."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CaseView:
    record: cases.CaseRecord
    messages: list[transcripts.StoredMessage]
    choices: dict[str, Choice]
    window: safe_time.SafeWindow | None
    suggested_window: safe_time.SafeWindow | None
    gate: outbound_gate.Gate


@dataclass(frozen=True)
class LiveView:
    """What an open case page lacks: the messages after the ones it shows, and the case's
    status and delivery gate now (reply states come from `Replies.for_case`)."""

    record: cases.CaseRecord
    messages: list[transcripts.StoredMessage]  # after the first `skip`
    count: int  # messages in the whole transcript
    gate: outbound_gate.Gate


def facts(record: cases.CaseRecord) -> authz.CaseFacts:
    return authz.CaseFacts(record.status, record.claimed_by, record.taken_over)


def state_of(record: cases.CaseRecord) -> ConversationState:
    return (ConversationState.from_json(record.state_json) if record.state_json
            else ConversationState())


def window_of(record: cases.CaseRecord) -> safe_time.SafeWindow | None:
    return safe_time.parse(record.window_text) if record.window_text else None


def circumstances(record: cases.CaseRecord, timezone: str) -> outbound_gate.Circumstances:
    state = state_of(record)
    wants = state.choices.get("wants")
    return outbound_gate.Circumstances(
        channel=record.channel, opted_out=record.opted_out, ended=record.conversation_ended,
        erasure_requested=state.erasure_requested is not None, paused=state.paused,
        locked=state.locked, cover=state.cover, wants=wants.value if wants else None,
        window=window_of(record),
        timezone=timezone, return_until=record.return_until,
        safe_number=record.safe_number)


def claim_flood_followers(connection: Connection, lead_id: int, member: StaffMember,
                          now: datetime) -> None:
    """Claiming a flood's first case claims the open cases listed under it too, each audited,
    so the advocate can open every one of them from the lead's page."""
    for follower in cases.flood_followers(connection, lead_id):
        if follower.status == "open" and cases.transition(
                connection, follower.id, expect=("open",), status="claimed",
                claimed_by=member.id, claimed_at=now):
            audit.record(connection, now=now, actor=audit.staff(member.id),
                         action="case.claimed", conversation_id=follower.conversation_id,
                         escalation_id=follower.id)


class Casework:
    def __init__(self, *, database: Database, keyring: Keyring, deployment: Deployment,
                 clock: Callable[[], datetime]) -> None:
        self.database = database
        self.keyring = keyring
        self.deployment = deployment
        self.clock = clock
        self.shared_queue = SharedQueue(database=database, keyring=keyring, clock=clock,
                                        gate=self.gate)

    @property
    def timezone(self) -> str:
        return self.deployment.opening_hours.timezone

    def gate(self, record: cases.CaseRecord) -> outbound_gate.Gate:
        return outbound_gate.decide(circumstances(record, self.timezone), self.clock())

    def queue_snapshot(self, member: StaffMember) -> QueueSnapshot:
        """The queue as built for everyone at one moment (app/casework/queue_snapshots.py):
        its `waiting_seconds` are as of `taken_at`; `waiting` gives them as of now."""
        if not authz.can_view_queue(member):
            raise NotAllowed("queue")
        return self.shared_queue.snapshot()

    def waiting(self, snapshot: QueueSnapshot) -> list[int]:
        """Each item's waiting time now, in whole seconds."""
        return self.shared_queue.waiting(snapshot)

    def load(self, case_id: int) -> cases.CaseRecord:
        with self.database.transaction() as connection:
            record = cases.load(connection, self.keyring, case_id)
            erased = record is None and cases.is_erased(connection, case_id)
        if erased:
            raise CaseErased(case_id)
        if record is None:
            raise CaseNotFound(case_id)
        return record

    def claim(self, case_id: int, member: StaffMember) -> None:
        record = self.load(case_id)
        if member.role not in authz.CLAIMING_ROLES:
            raise NotAllowed("claim")
        now = self.clock()
        with self.database.transaction() as connection:
            won = cases.transition(connection, case_id, expect=("open",), status="claimed",
                                   claimed_by=member.id, claimed_at=now)
            if won:
                audit.record(connection, now=now, actor=audit.staff(member.id),
                             action="case.claimed", conversation_id=record.conversation_id,
                             escalation_id=case_id)
                claim_flood_followers(connection, case_id, member, now)
        if not won:
            raise CaseConflict(self._conflict_message(case_id, member))
        log.info("event=case.claimed escalation=%s advocate=%s", case_id, member.id)

    def _conflict_message(self, case_id: int, member: StaffMember) -> str:
        current = self.load(case_id)
        if current.status == "closed":
            return "This case has been closed."
        if current.claimed_by == member.id:
            return "You already hold this case."
        return "Someone else claimed this case first."

    def release(self, case_id: int, member: StaffMember) -> None:
        record = self.load(case_id)
        if not authz.can_release(member, facts(record)):
            raise NotAllowed("release")
        self._change(record, member, "case.released", expect=("claimed",),
                     holder=record.claimed_by, status="open", claimed_by=None, claimed_at=None)

    def reassign(self, case_id: int, member: StaffMember, to: StaffMember | None) -> None:
        """Give the case to `to` (None: the form named nobody, refused once allowed)."""
        record = self.load(case_id)
        if not authz.can_reassign(member, facts(record)):
            raise NotAllowed("reassign")
        if to is None:
            raise FormIncomplete("Choose an advocate to give the case to.")
        if not authz.can_reassign_to(member, facts(record), to):
            raise CaseConflict(
                "Cases can only be given to another active advocate or supervisor. To work on "
                "a case yourself, claim it from the queue, or open it and state a purpose.")
        self._change(record, member, "case.reassigned", expect=("open", "claimed"),
                     holder=None, assignee_active=to.id, status="claimed", claimed_by=to.id,
                     claimed_at=self.clock())

    def close(self, case_id: int, member: StaffMember, reason: str, *,
              then: Callable[[Connection], None] | None = None) -> None:
        """Close the case; `then` runs in the same transaction once it is closed (withdrawing
        its waiting replies: app/casework/held_replies.py)."""
        record = self.load(case_id)
        if not authz.can_close(member, facts(record)):
            raise NotAllowed("close")
        if reason not in CLOSE_REASONS:
            raise CaseConflict("Choose why the case is being closed.")
        self._change(record, member, "case.closed", expect=("open", "claimed"),
                     holder=None, then=then, status="closed", closed_at=self.clock(),
                     closed_reason=reason)

    def _change(self, record: cases.CaseRecord, member: StaffMember, action: str, *,
                expect: tuple[str, ...], holder: int | None,
                assignee_active: int | None = None,
                then: Callable[[Connection], None] | None = None, **values: object) -> None:
        now = self.clock()
        with self.database.transaction() as connection:
            changed = cases.transition(connection, record.id, expect=expect,
                                       expect_holder=holder, assignee_active=assignee_active,
                                       **values)
            if changed and values.get("status") == "closed":
                tallies.cases_closed(connection, [record.id], str(values["closed_reason"]))
            if changed:
                audit.record(connection, now=now, actor=audit.staff(member.id), action=action,
                             conversation_id=record.conversation_id, escalation_id=record.id)
                if then is not None:
                    then(connection)
        if not changed:
            raise CaseConflict("The case changed while you were looking at it; reload.")
        log.info("event=%s escalation=%s advocate=%s", action, record.id, member.id)

    def open_case(self, case_id: int, member: StaffMember, purpose: str | None, *,
                  viewing: int | None = None) -> CaseView:
        """The transcript and choices, if allowed; the view is audited in the same transaction.

        docs/threat-model.md, A4: a viewing writes one row (who, case, when, why), never
        content. With `viewing` (the staff session's id) that is once per session and purpose:
        reloading the page, or its live updates (`live`), add no row; without it, every call
        writes one.
        """
        now = self.clock()
        with self.database.transaction() as connection:
            record = self._readable(connection, case_id, member, purpose)
            stated = purpose if authz.needs_purpose(member, facts(record)) else None
            messages = transcripts.transcript(connection, self.keyring, record.conversation_id)
            first = viewing is None or viewings.start_viewing(
                connection, staff_session_id=viewing, case_id=case_id, purpose=stated, now=now)
            if first:
                audit.record(connection, now=now, actor=audit.staff(member.id),
                             action="transcript.viewed", conversation_id=record.conversation_id,
                             escalation_id=case_id, purpose=stated)
            self._mark_read(connection, member, case_id, messages)
        state = state_of(record)
        said = state.choices.get("safe_time")
        if first:
            log.info("event=transcript.viewed escalation=%s advocate=%s", case_id, member.id)
        # Read in English and the conversation's language; the advocate confirms it.
        suggested = (safe_time.suggest(said.value, state.language or record.language)
                     if said else None)
        return CaseView(record, messages, state.choices, window_of(record), suggested,
                        self.gate(record))

    def flood_followers(self, case_id: int) -> list[cases.FloodFollower]:
        """The cases listed under this one as a possible flood: references only."""
        with self.database.transaction() as connection:
            return cases.flood_followers(connection, case_id)

    def live(self, case_id: int, member: StaffMember, purpose: str | None, *, viewing: int,
             skip: int, seen: bool) -> LiveView:
        """What an open case page lacks since it showed `skip` messages; `seen` (the page is
        in front of the advocate) moves their read mark.

        Writes no audit row: every read here is covered by the row `open_case` wrote when this
        staff session opened the case with this purpose, and is refused without one
        (`ViewingNotStarted`). The rules are checked again on every call, so a case released,
        given to someone else or closed stops updating at once.
        """
        with self.database.transaction() as connection:
            record = self._readable(connection, case_id, member, purpose)
            stated = purpose if authz.needs_purpose(member, facts(record)) else None
            if not viewings.is_viewing(connection, staff_session_id=viewing, case_id=case_id,
                                       purpose=stated):
                raise ViewingNotStarted(case_id)
            size = transcripts.transcript_size(connection, record.conversation_id)
            new = (transcripts.transcript(connection, self.keyring, record.conversation_id,
                                          skip=skip)
                   if size.messages > skip else [])
            if seen and size.newest_from_survivor is not None:
                viewings.mark_read(connection, advocate_id=member.id, case_id=case_id,
                                   until=size.newest_from_survivor)
        return LiveView(record, new, size.messages, self.gate(record))

    def search(self, member: StaffMember, terms: finding.Terms) -> list[case_search.FoundCase]:
        """Cases by their facts, newest first. Audited ("cases.searched": who, when) without
        the terms, which a row need not hold to show who was searching."""
        if not authz.can_search_cases(member):
            raise NotAllowed("search")
        query = finding.criteria(terms, self.timezone)
        with self.database.transaction() as connection:
            found = case_search.search(connection, query)
            audit.record(connection, now=self.clock(), actor=audit.staff(member.id),
                         action="cases.searched")
        log.info("event=cases.searched advocate=%s found=%s", member.id, len(found))
        return found

    def earlier_cases(self, record: cases.CaseRecord) -> list[case_search.FoundCase]:
        """The cases this case's contact opened before it that still exist (repeat contact):
        references, dates and outcomes, no content. For a page that already read the case."""
        with self.database.transaction() as connection:
            return case_search.earlier_cases(connection, record.id, record.contact_hash)

    def unread(self, member: StaffMember) -> set[int]:
        """The cases this member holds with survivor messages they have not had on screen."""
        with self.database.transaction() as connection:
            return viewings.unread_cases(connection, member.id)

    def _readable(self, connection: Connection, case_id: int, member: StaffMember,
                  purpose: str | None) -> cases.CaseRecord:
        record = cases.load(connection, self.keyring, case_id)
        if record is None:
            raise (CaseErased if cases.is_erased(connection, case_id) else CaseNotFound)(case_id)
        if not authz.can_read_transcript(member, facts(record), purpose):
            raise NotAllowed("read")
        return record

    @staticmethod
    def _mark_read(connection: Connection, member: StaffMember, case_id: int,
                   messages: list[transcripts.StoredMessage]) -> None:
        newest = max((m.created_at for m in messages if m.direction == "in"), default=None)
        if newest is not None:
            viewings.mark_read(connection, advocate_id=member.id, case_id=case_id,
                               until=utc(newest))

    def set_window(self, case_id: int, member: StaffMember, text: str) -> None:
        """Confirm (or clear, with empty text) the survivor's safe-contact window."""
        record = self.load(case_id)
        if not authz.can_set_window(member, facts(record)):
            raise NotAllowed("window")
        canonical = str(safe_time.parse(text)) if text.strip() else None
        now = self.clock()
        with self.database.transaction() as connection:
            cases.save_window(connection, record, canonical)
            audit.record(connection, now=now, actor=audit.staff(member.id),
                         action="case.window_set", conversation_id=record.conversation_id,
                         escalation_id=case_id)
