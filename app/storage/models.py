"""The tables. Sensitive values are stored only sealed (see `app.crypto`).

Columns ending in `_sealed` hold AES-GCM ciphertext bound to their row and column; columns
named `*_hash` hold HMACs. Nothing here holds a message body or a phone number in clear.
Conversations and messages use random UUIDs as keys: the associated data of a ciphertext
needs the row id before the row is written, and random ids reveal nothing about volume.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so Alembic migrations name the same things on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TZDateTime = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: dict[Any, Any] = {datetime: TZDateTime}


class Conversation(Base):
    """One survivor's conversation on one channel, with its own data key."""

    __tablename__ = "conversations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # A short random reference advocates use instead of any identifier of the survivor.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    contact_hash: Mapped[str | None] = mapped_column(String(64))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    state_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        # At most one open conversation per contact: two first messages racing from the same
        # number must end up in one conversation, and the database is what decides.
        Index(
            "uq_conversations_open_contact",
            "channel",
            "contact_hash",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        Index("ix_conversations_last_activity_at", "last_activity_at"),
    )


class Message(Base):
    """A message in or out. `provider_sid` de-duplicates the provider's retries.

    Unique per conversation, not globally: a retry comes from the same sender, so it lands in
    the same conversation; an id that another conversation already used (a web page's own id,
    chosen by the browser) is somebody else's message, stored as new and never answered with
    that conversation's reply (docs/threat-model.md, A2).
    """

    __tablename__ = "messages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(8))  # "in" or "out"
    author: Mapped[str] = mapped_column(String(16))  # "survivor", "flow", "advocate", "system"
    provider_sid: Mapped[str | None] = mapped_column(String(64))
    reply_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # An automated reply's catalogue message ids (a JSON list), sealed like the body: which
    # information a survivor asked for is itself sensitive. The case page shows them as one
    # line ("information: safety planning"); None for other messages and older rows.
    flow_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]

    conversation: Mapped[Conversation] = relationship(back_populates="messages")

    __table_args__ = (UniqueConstraint("conversation_id", "provider_sid",
                                       name="uq_messages_conversation_provider_sid"),)


class DeliveryReceipt(Base):
    """A provider's delivery status for one of our messages: status only, never content."""

    __tablename__ = "delivery_receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_sid: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(24))
    error_code: Mapped[str | None] = mapped_column(String(12))
    received_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("provider_sid", "status", name="uq_delivery_receipt"),)


class OptOut(Base):
    """A contact who sent STOP: nothing goes to them until they send START."""

    __tablename__ = "opt_outs"

    contact_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    opted_out_at: Mapped[datetime]


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


class AuditEvent(Base):
    """Who did what to which case, when and why. Never content, never a number.

    `conversation_id` is deliberately not a foreign key: the audit trail outlives a
    conversation that retention or erasure has destroyed.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    escalation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    purpose: Mapped[str | None] = mapped_column(String(200))
    # The hash chain (app/audit/chain.py): set shortly after the row is written, in id order,
    # each over the previous row's hash and this row's fields; None until then.
    row_hash: Mapped[str | None] = mapped_column(String(64))


class Advocate(Base):
    """A member of staff who signs in to the queue. Role decides what they may see."""

    __tablename__ = "advocates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # advocate, supervisor, admin
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, with its own salt
    # The TOTP secret is sealed under the advocate's own data key, wrapped by the keyring.
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    totp_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # The last TOTP time step accepted: a code seen once is never accepted again.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped to end every signed-in session of this account at once (password reset, disable).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    # The advocate's own phone, which a safe call-back rings first (app/casework/callbacks.py),
    # sealed under the advocate's data key like the TOTP secret; shown only masked.
    phone_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)


class RecoveryCode(Base):
    """A one-time code for an advocate who lost their authenticator: a SHA-256 digest only
    (app.crypto.RecoveryCodes). `used_at` is set once, by a conditional UPDATE."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advocate_id: Mapped[int] = mapped_column(
        ForeignKey("advocates.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("advocate_id", "code_hash",
                                       name="uq_recovery_codes_advocate_code"),)


class StaffSession(Base):
    """A signed-in session of an advocate, so they can see and end their own sessions.

    Holds no address and no browser details: only when it began, when a person last acted
    in it, and when it ended. The cookie holds the token; this row only its digest.
    """

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advocate_id: Mapped[int] = mapped_column(
        ForeignKey("advocates.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_action_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Failed sign-ins from one network address, keyed by an HMAC of the address.

    The address itself is never stored (least data); the HMAC is enough to count failures.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]


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


class ProviderDeletion(Base):
    """A message whose copy at the provider must be deleted (erasure, later retention).

    Holds the provider's message id only: no link to the conversation, which is gone by the
    time this is worked on. `redacted` is set when the provider refused to delete a message
    that was not final yet and its body was blanked instead; the DELETE is tried again.
    """

    __tablename__ = "provider_deletions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_sid: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # pending, done, failed
    redacted: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    error_kind: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class ResumeWord(Base):
    """A survivor's resume word, as a keyed hash only, per contact (it outlives a conversation)."""

    __tablename__ = "resume_words"

    contact_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    word_hash: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime]


class ContactErasure(Base):
    """When a contact last erased a conversation, for a day only (ERASURE_MARK_LIFETIME in
    app/lifecycle/erasure.py; the sweeper deletes it after that). A message that arrived
    before that moment and is stored only now (a spooled message the sweeper replays, a
    request that was under way) belongs to the erased conversation and is not stored
    (app/conversation/service.py). Holds the contact's keyed value and a time, nothing else."""

    __tablename__ = "contact_erasures"

    contact_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(index=True)


class ReturnCode(Base):
    """A web chat's "come back later" code, as a keyed value only (app.crypto.ReturnCodeKeys).

    One per conversation (choosing "come back later" again replaces it); deleted with the
    conversation (erasure, retention) and by the sweeper once `expires_at` has passed. The code
    itself is never stored, logged or kept in the transcript.
    """

    __tablename__ = "return_codes"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SafeNumber(Base):
    """A safe mobile number a web chat survivor gave for texts or calls (issue 19, item 4).

    The number itself is sealed in its conversation's `contact_sealed`, like every number;
    here only its keyed value (as an SMS from it is found), so a text from that phone can be
    matched to the chat that gave it. Nothing is sent to the number until it has written to
    the service itself (`status` "waiting"): then the web conversation becomes that number's
    conversation ("joined"), or, when the number's own conversation must not be touched, stays
    apart and nothing is sent ("apart"). See docs/threat-model.md, A2. Deleted with the
    conversation (erasure, retention) and by the sweeper when a waiting number was never
    confirmed within `[webchat] resume_hours`.
    """

    __tablename__ = "safe_numbers"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    contact_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))  # waiting, joined, apart
    given_at: Mapped[datetime]
    # When the number wrote to us (joined or apart); None while waiting.
    settled_at: Mapped[datetime | None]


class ReportCount(Base):
    """The partnership report's counts, kept at the moment each event happens.

    Counts only, per UTC hour: no conversation, case, advocate or contact is named, so the
    retention purge (which destroys conversations) leaves last year's figures in place.
    Written in the same transaction as the event it counts (see `app.storage.tallies`).
    """

    __tablename__ = "report_counts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hour: Mapped[datetime]  # the start of the UTC hour the counted event belongs to
    measure: Mapped[str] = mapped_column(String(32))  # e.g. contact_channel, outcome
    category: Mapped[str] = mapped_column(String(64))  # e.g. sms, supported
    count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("hour", "measure", "category", name="uq_report_count"),)


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


class ProviderSidClaim(Base):
    """A provider message id being claimed by an in-doubt row (app/outbound/exactly_once.py).

    Inserted and deleted in the one transaction that records the id on its row: the primary
    key makes a second row claiming the same message at the same instant wait for the first
    and then find it recorded. Empty outside those transactions."""

    __tablename__ = "provider_sid_claims"

    provider_sid: Mapped[str] = mapped_column(String(64), primary_key=True)


class SendUnderWay(Base):
    """A send request on its way to the provider (app/outbound/exactly_once.py): committed just
    before the request, deleted with its outcome. An in-doubt row reconciling against the
    provider's messages waits while a send to the same number is under way, because that
    send's message may already be at the provider and not yet recorded by its row. A worker
    that dies mid-request leaves its row here; it counts only until `until` (the lease's end)
    and is deleted by a later send. No number: `recipient` is the contact key's keyed value."""

    __tablename__ = "sends_under_way"

    row_table: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(64), index=True)
    until: Mapped[datetime] = mapped_column(index=True)


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


class CaseRecordKey(Base):
    """A case's own data key, for records the deployment keeps after the survivor's erasure
    (`[casework] keep_notes_after_erasure`): wrapped by the keyring, destroyed by retention.
    See app/storage/case_records.py and docs/threat-model.md."""

    __tablename__ = "case_record_keys"

    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), primary_key=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class CaseNote(Base):
    """An advocate's note on a case, sealed. `sealed_under` says which key: "conversation"
    (the default: the note dies with the conversation, by the foreign key's cascade) or "case"
    (kept after erasure, under `CaseRecordKey`; `conversation_id` is then None)."""

    __tablename__ = "case_notes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(Integer)
    sealed_under: Mapped[str] = mapped_column(String(16))
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class RiskAssessment(Base):
    """One DASH risk assessment (answers and the advocate's professional judgement, sealed);
    a re-assessment is a new row, so the history is kept with its dates."""

    __tablename__ = "risk_assessments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(Integer)
    checklist: Mapped[str] = mapped_column(String(64))  # the checklist's id and version
    sealed_under: Mapped[str] = mapped_column(String(16))
    answers_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    judgement_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class ConsentEvent(Base):
    """The consent ledger: a survivor's consent to share with one agency, given or withdrawn.
    Rows are only ever added, never changed: the latest row per agency is the consent now."""

    __tablename__ = "consent_events"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    agency: Mapped[str] = mapped_column(String(32))  # a code from flows/referrals.yaml
    action: Mapped[str] = mapped_column(String(16))  # given, withdrawn
    # "survivor_choice": the dated choice the survivor made in the conversation (stated_at is
    # its date); "advocate": told to an advocate, who recorded it.
    source: Mapped[str] = mapped_column(String(24))
    shares: Mapped[list[str]] = mapped_column(JSON)  # what may be shared: risk, notes
    stated_at: Mapped[datetime]
    recorded_by: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime]


class Referral(Base):
    """A referral to another agency: when, to whom, and on what basis (the consent row it
    rests on, or a reason to share without consent because of high risk, sealed)."""

    __tablename__ = "referrals"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(Integer)
    agency: Mapped[str] = mapped_column(String(32))
    referred_at: Mapped[datetime]
    basis: Mapped[str] = mapped_column(String(24))  # consent, without_consent
    consent_event_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("consent_events.id", ondelete="CASCADE"))
    sealed_under: Mapped[str] = mapped_column(String(16))
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
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


class RecordViewing(Base):
    """A kind of a case's sealed records (notes, risk assessments, referral reasons) read in
    one signed-in staff session (with one purpose): like `CaseViewing` for the transcript, the
    one audit row of that kind ("notes.read", "risk.read", "referral_reasons.read") covers
    every later read of it in the same session (docs/threat-model.md, A4). Ids only."""

    __tablename__ = "record_viewings"

    staff_session_id: Mapped[int] = mapped_column(
        ForeignKey("staff_sessions.id", ondelete="CASCADE"), primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), primary_key=True, index=True)
    purpose: Mapped[str] = mapped_column(String(32), primary_key=True)  # "" when none
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)  # the audit action
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


def table_of(model: type[Base]) -> Table:
    """A model's Core table, for the statements on hot paths that skip the ORM."""
    return cast(Table, model.__table__)
