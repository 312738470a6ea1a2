"""A case's sealed records: their key, notes, risk assessments, consent, referrals, and every
viewing of them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.storage.models.base import Base


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
