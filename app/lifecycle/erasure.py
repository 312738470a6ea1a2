"""Erasure: a survivor's conversation destroyed at once, and the provider asked to forget it.

docs/threat-model.md, A4: after the survivor confirms, nothing of the conversation may remain
recoverable. In the same transaction as the confirming message:
- the provider's message ids (what the survivor sent, what we sent) are queued for deletion
  at Twilio (`provider_deletions`; the job is `app.worker.jobs.delete_provider_copy`);
- an unfinished case is closed as "closed by the survivor": the advocate sees that, and
  nothing more;
- the conversation row is deleted, and with it its wrapped data key (crypto-shredding: every
  sealed message, the state and the number become unreadable, in backups too), its messages,
  any replies still waiting and the case records sealed under its key: notes, risk
  assessments, consent and referrals (the database cascades; SQLite's secure_delete
  overwrites the freed pages). The tombstone keeps how many records there were, nothing else
  about them, none of the triage's reasons (read from the survivor's words), no priority,
  and its days, not its times; retention deletes it later (app/lifecycle/tombstones.py).
  A deployment that keeps notes after erasure (`[casework] keep_notes_after_erasure`) sealed
  them under the case's own key instead: those stay until retention, which destroys them with
  everything else (app/storage/case_records.py).
The confirming message itself is never stored. Contact-level records that hold no content
stay: a STOP (so nothing is sent after it) and the hashed resume word. For a day, the contact's
keyed value and the time of the erasure stay too (`contact_erasures`): a message that arrived
before the erasure but is stored only after it (the fail-safe spooled it and the sweeper was
already replaying it, or its request was under way) belongs to the erased conversation, and the
conversation service stores nothing of it (app/conversation/service.py). The sweeper deletes
the mark after ERASURE_MARK_LIFETIME (`forget_marks`).
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from app import audit
from app.lifecycle import tombstones
from app.storage import case_records, tallies
from app.storage.models import (
    Call,
    ContactErasure,
    Conversation,
    Escalation,
    Message,
    ProviderDeletion,
    Reply,
    table_of,
)

log = logging.getLogger(__name__)
conversations = table_of(Conversation)
escalations = table_of(Escalation)
messages = table_of(Message)
replies = table_of(Reply)
deletions = table_of(ProviderDeletion)
calls = table_of(Call)
marks = table_of(ContactErasure)
# How long the mark of a survivor's erasure stays: far longer than a request or a replay is under
# way, and than a Redis outage that kept the spool from being cleared (the fail-safe's entries
# wait there until the database takes them); short, because it says that this contact erased
# a conversation, and when.
ERASURE_MARK_LIFETIME = timedelta(days=1)
CLOSED_BY_SURVIVOR = "closed_by_survivor"
CLOSED_BY_RETENTION = "retention"
# Twilio's ids: messages (SM... for SMS, MM... for MMS) and calls (CA..., both legs of a
# call-back); the web chat's own ids are not sent.
_PROVIDER_SID = re.compile(r"^(SM|MM|CA)[0-9a-f]{32}$")


def erase(connection: Connection, conversation_id: uuid.UUID, *, also: str | None,
          now: datetime, reason: str = CLOSED_BY_SURVIVOR) -> list[int]:
    """Destroy the conversation; returns the provider deletions to enqueue after the commit.

    `also` is the provider id of the message that confirmed the erasure (never stored).
    `reason` is why: the survivor's erasure, or retention (app/lifecycle/retention.py).
    """
    _hold(connection, conversation_id)
    sids = set(connection.execute(select(messages.c.provider_sid).where(
        messages.c.conversation_id == conversation_id,
        messages.c.provider_sid.is_not(None))).scalars())
    sids |= set(connection.execute(select(replies.c.provider_sid).where(
        replies.c.conversation_id == conversation_id,
        replies.c.provider_sid.is_not(None))).scalars())
    if also:
        sids.add(also)
    case_ids = list(connection.execute(select(escalations.c.id).where(
        escalations.c.conversation_id == conversation_id)).scalars())
    for row in connection.execute(select(calls.c.advocate_call_sid, calls.c.survivor_call_sid)
                                  .where(calls.c.escalation_id.in_(case_ids))):
        # Twilio's record of the survivor's leg holds their number; the advocate's leg says
        # when this survivor was called.
        sids.update(sid for sid in row if sid)
    wanted = sorted(sid for sid in sids if _PROVIDER_SID.match(sid))
    known = set(connection.execute(select(deletions.c.provider_sid).where(
        deletions.c.provider_sid.in_(wanted))).scalars()) if wanted else set()
    fresh = [sid for sid in wanted if sid not in known]
    ids: list[int] = []
    for sid in fresh:
        ids.append(connection.execute(insert(deletions).values(
            provider_sid=sid, status="pending", redacted=False, attempts=0, created_at=now,
        ).returning(deletions.c.id)).scalar_one())
    closing = list(connection.execute(update(escalations).where(
        escalations.c.conversation_id == conversation_id, escalations.c.status != "closed",
    ).values(status="closed", closed_at=now, closed_reason=reason)
        .returning(escalations.c.id)).scalars())
    tallies.cases_closed(connection, closing, reason)
    # The triage's reasons were read from the survivor's words ("strangulation", "pregnancy",
    # "self_harm"): content, in clear, that outlived the key and stayed on the tombstone for
    # good beside the minute the survivor wrote. The report counted them when they were found
    # (app/storage/tallies.py); nothing needs them after the conversation.
    connection.execute(update(escalations).where(
        escalations.c.conversation_id == conversation_id).values(reasons=[]))
    case_records.note_erased(connection, case_records.count_for_conversation(
        connection, conversation_id))
    by_survivor = reason == CLOSED_BY_SURVIVOR
    if by_survivor:
        tombstones.coarsen(connection, case_ids)
    else:
        # Retention ends everything, records kept past an erasure and the cases included.
        case_records.destroy(connection, case_ids)
        tombstones.delete_cases(connection, case_ids)
    audit.record(connection, now=now, actor="survivor" if by_survivor else "system",
                 action="conversation.erased" if by_survivor else "conversation.purged",
                 conversation_id=conversation_id,
                 escalation_id=case_ids[-1] if case_ids else None)
    if by_survivor:
        _mark(connection, conversation_id, now)
    connection.execute(delete(conversations).where(conversations.c.id == conversation_id))
    # No conversation id: the audit trail names it for those allowed to read it; a log line
    # naming it would tie whatever else was logged about it to the erasure, after the data
    # itself is gone.
    log.info("event=conversation.%s provider_copies=%s",
             "erased" if by_survivor else "purged", len(ids))
    return ids


def _hold(connection: Connection, conversation_id: uuid.UUID) -> None:
    """Before reading which provider copies the conversation has: stop anything else adding
    to it until this erasure commits. Otherwise a message or reply committed between that read
    and the delete goes with the conversation (the delete cascades) while its copy at Twilio,
    with the survivor's words and number, is never queued for deletion.

    On PostgreSQL, FOR UPDATE on the conversation's row: a new message or reply needs a key
    share of that row for its foreign key, so it waits, and then fails on the deleted row
    (its retry finds the erasure, app/conversation/service.py). On SQLite, one write takes the
    database's only write lock (FOR UPDATE means nothing there), so no other writer commits
    in between, and the reads after it are inside this write transaction."""
    connection.execute(select(conversations.c.id).where(
        conversations.c.id == conversation_id).with_for_update())
    connection.execute(update(escalations).where(
        escalations.c.conversation_id == conversation_id).values(safe_window_sealed=None))


def _mark(connection: Connection, conversation_id: uuid.UUID, now: datetime) -> None:
    """Note when this contact erased a conversation (replacing an earlier note), in the
    erasure's transaction: whoever stores a message for the contact after the commit sees it."""
    contact_hash = connection.execute(select(conversations.c.contact_hash).where(
        conversations.c.id == conversation_id)).scalar()
    if contact_hash is None:
        return
    connection.execute(delete(marks).where(marks.c.contact_hash == contact_hash))
    connection.execute(insert(marks).values(contact_hash=contact_hash, erased_at=now))


def forget_marks(connection: Connection, now: datetime) -> int:
    """The sweeper: delete the marks of erasures older than ERASURE_MARK_LIFETIME."""
    return connection.execute(delete(marks).where(
        marks.c.erased_at < now - ERASURE_MARK_LIFETIME)).rowcount
