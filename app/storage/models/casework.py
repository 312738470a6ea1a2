"""The case desk: cases, advocates' replies, alerts and SLA breaches, who viewed or read a case,
handovers, calls and canned replies."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base


class Escalation(Base):
    """A case for a human advocate. The row is the source of truth; jobs only do slow work."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None once the survivor erased the conversation: the case stays, closed, as a tombstone
    # ("closed by the survivor") with nothing of the conversation left.
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))  # open, claimed, closed
    priority: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(JSON)  # reason codes, never survivor text
    language: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    claimed_by: Mapped[int | None] = mapped_column(Integer)
    claimed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(String(32))
    # When on-duty advocates were told (the live queue, or an alert to the on-call phone);
    # None means the notify job has not finished, so the sweeper enqueues it again.
    notified_at: Mapped[datetime | None]
    # The safe-contact window an advocate confirmed, sealed under the conversation's key
    # (when the abuser is away is itself sensitive). See app/casework/safe_time.py.
    safe_window_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # On a tombstone: how many case records (notes, risk assessments, referrals) the erasure
    # destroyed, e.g. {"notes": 2}; counts only, so the case says that notes existed.
    erased_records: Mapped[dict[str, int] | None] = mapped_column(JSON)
    # The first case of a burst of new web chats from one network address over its allowance
    # (app/conversation/floods.py): this case is listed under it, not on its own in the queue,
    # while that case is unfinished. Never set on an urgent case or one that asked for a
    # person, and cleared when this case becomes either.
    flood_lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalations.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        # One unfinished case per conversation; asking twice updates it instead.
        Index(
            "uq_escalations_unfinished",
            "conversation_id",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
        Index("ix_escalations_status_priority", "status", "priority"),
    )


class Reply(Base):
    """An advocate's reply on its way to the survivor. The text is the linked message row.

    The row is written before any job runs, so a reply is never lost; `status` says where it
    is: queued (ready to go), held (waiting for a safe time, a pause to lift, the resume
    word...), sending (a worker holds a lease on it until `lease_until`), sent, failed,
    cancelled. A web chat reply is `queued` until the survivor's page collects it.
    """

    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    advocate_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    hold_reason: Mapped[str | None] = mapped_column(String(32))
    not_before: Mapped[datetime | None]  # the next time the safe window opens, when known
    next_attempt_at: Mapped[datetime | None]  # back-off after a provider's temporary error
    enqueued_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]
    sending_started_at: Mapped[datetime | None]
    provider_sid: Mapped[str | None] = mapped_column(String(64))
    error_kind: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_replies_status", "status"),)


class Alert(Base):
    """A content-free "a case is waiting" SMS to an on-call advocate's phone, once per case."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(32))  # "sms:<index in the deployment's list>"
    status: Mapped[str] = mapped_column(String(16))  # queued, sending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]
    sending_started_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    provider_sid: Mapped[str | None] = mapped_column(String(64))
    error_kind: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("escalation_id", "target", name="uq_alert_target"),)


class SlaBreach(Base):
    """An urgent or high case left unclaimed past its target (`[casework] urgent_sla_minutes`,
    `high_sla_minutes`): one row per case and target, so the sweeper re-alerts once per breach
    however often it runs and whatever restarts (app/casework/sla.py). Times and ids only."""

    __tablename__ = "sla_breaches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(16))  # "urgent" or "high"
    minutes: Mapped[int] = mapped_column(Integer)  # the target in force when it was missed
    breached_at: Mapped[datetime]  # when the case passed its target
    noticed_at: Mapped[datetime]  # when the sweeper found it
    # When the re-alert finished (sent, failed for good, or nobody to alert); None: unfinished.
    alerted_at: Mapped[datetime | None]
    alert_result: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (UniqueConstraint("escalation_id", "target", name="uq_sla_breach"),)


class SlaAlert(Base):
    """The content-free re-alert of one breach to one phone, sent exactly once (the same
    columns as `alerts`, so `app.outbound.exactly_once` leases and reconciles it)."""

    __tablename__ = "sla_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    breach_id: Mapped[int] = mapped_column(
        ForeignKey("sla_breaches.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(32))  # "sms:<i>" or "on_call:<i>"
    status: Mapped[str] = mapped_column(String(16))  # queued, sending, sent, failed, cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]
    sending_started_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    provider_sid: Mapped[str | None] = mapped_column(String(64))
    error_kind: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("breach_id", "target", name="uq_sla_alert_target"),)


class CaseViewing(Base):
    """A case opened in one signed-in staff session (with one purpose): the one
    "transcript.viewed" audit row of that viewing covers every later load and live update of
    the case page in the same session (docs/threat-model.md, A4). Ids only."""

    __tablename__ = "case_viewings"

    staff_session_id: Mapped[int] = mapped_column(
        ForeignKey("staff_sessions.id", ondelete="CASCADE"), primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), primary_key=True, index=True)
    purpose: Mapped[str] = mapped_column(String(32), primary_key=True)  # "" when none
    first_at: Mapped[datetime]


class CaseRead(Base):
    """How far an advocate has read a case: the time of the newest survivor message that was
    on their screen (a page load, or a live update while the page was visible). The queue
    marks a case they hold as unread when a survivor message is newer."""

    __tablename__ = "case_reads"

    advocate_id: Mapped[int] = mapped_column(
        ForeignKey("advocates.id", ondelete="CASCADE"), primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), primary_key=True, index=True)
    read_until: Mapped[datetime]


class HandoverNote(Base):
    """A case handed from one member of staff to another, with the note for the receiver.

    The note is sealed under the conversation's data key like its messages (it is about the
    survivor), so erasing the conversation destroys it: the row cascades with the conversation.
    """

    __tablename__ = "handover_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    from_advocate: Mapped[int] = mapped_column(Integer)
    to_advocate: Mapped[int] = mapped_column(Integer)
    note_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class Call(Base):
    """A safe call-back: Twilio rings the advocate's phone, then (after the outbound gate is
    asked again) dials the survivor from the service's number. No number is stored here: the
    advocate's is sealed on their account, the survivor's on the conversation.

    `status` is where the call is: calling_advocate, advocate_answered, dialling_survivor,
    ended; `outcome` says how it ended (app/casework/callbacks.py OUTCOMES), set once.
    """

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    advocate_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(24))
    outcome: Mapped[str | None] = mapped_column(String(24))
    # Why the outbound gate stopped it before the survivor was dialled (a gate reason code).
    stop_reason: Mapped[str | None] = mapped_column(String(32))
    error_kind: Mapped[str | None] = mapped_column(String(24))
    # Twilio's id of the call to the advocate: the webhooks must name this call.
    advocate_call_sid: Mapped[str | None] = mapped_column(String(64))
    # The survivor's leg (Twilio's DialCallSid): kept only so erasure can delete Twilio's
    # record of it, which holds the survivor's number.
    survivor_call_sid: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    dialled_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    __table_args__ = (
        # One live call per case: two presses of "Call now" never ring the survivor twice.
        Index(
            "uq_calls_live",
            "escalation_id",
            unique=True,
            sqlite_where=text("status != 'ended'"),
            postgresql_where=text("status != 'ended'"),
        ),
    )


class CannedReply(Base):
    """A canned reply the deployment's supervisors edited or added. The catalogue's canned.*
    messages stay the defaults; a row here exists once one of them was edited (`key` is the
    message id) or a new one was added (`key` is "local.<n>")."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(80))
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]


class CannedReplyVersion(Base):
    """One saved text of a canned reply in one language; the newest version is used. Not
    survivor data (staff write it for everyone), so not sealed; never deleted, so the history
    of who changed what a survivor may be sent is kept."""

    __tablename__ = "canned_reply_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canned_id: Mapped[int] = mapped_column(
        ForeignKey("canned_replies.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(2000))
    edited_by: Mapped[int] = mapped_column(Integer)
    edited_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("canned_id", "language", "version",
                                       name="uq_canned_reply_version"),)
