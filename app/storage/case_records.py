"""A case's records (notes, DASH risk assessments, the consent ledger, referrals), sealed here.

Like `vault`, this is where the associated data of their ciphertexts is decided: each is bound to
its table, column and row. Two keys can seal them (docs/threat-model.md, A4):
- "conversation" (the default): the conversation's own data key, like its messages. The row
  also names the conversation, so erasing it deletes the row (ON DELETE CASCADE) and the key
  that opened it: nothing is left, in backups either.
- "case": a key of the case's own (`case_record_keys`), wrapped by the keyring, for a deployment
  that keeps notes after the survivor's erasure (`[casework] keep_notes_after_erasure`). The
  row does not name the conversation, so an erasure leaves it; retention destroys the key and
  the rows (`destroy`).
Each row says which key sealed it, so changing the setting never strands what was written.
The consent ledger holds codes only (agency, given or withdrawn, dates): nothing to seal.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from app.crypto import DataKey, FieldContext, Keyring
from app.storage.models import (
    CaseNote,
    CaseRecordKey,
    ConsentEvent,
    Escalation,
    Referral,
    RiskAssessment,
    table_of,
)
from app.storage.times import utc

notes_table = table_of(CaseNote)
assessments_table = table_of(RiskAssessment)
consent_table = table_of(ConsentEvent)
referrals_table = table_of(Referral)
record_keys = table_of(CaseRecordKey)
escalations = table_of(Escalation)
SCOPES = ("conversation", "case")
# What an erasure counts for the tombstone, by the name the case page shows.
COUNTED = {"notes": notes_table, "risk_assessments": assessments_table,
           "referrals": referrals_table}


@dataclass(frozen=True)
class CaseKeys:
    """What sealing a case's records needs: the case, its conversation and that one's key.
    After the survivor's erasure both are gone (None): only records sealed under the case's
    own key (`[casework] keep_notes_after_erasure`) can be opened."""

    case_id: int
    conversation_id: uuid.UUID | None
    conversation_key: DataKey | None


@dataclass(frozen=True)
class StoredNote:
    id: uuid.UUID
    author_id: int
    created_at: datetime
    body: str


@dataclass(frozen=True)
class StoredAssessment:
    id: uuid.UUID
    author_id: int
    created_at: datetime
    checklist: str
    answers: dict[str, str]
    judgement: dict[str, str]


@dataclass(frozen=True)
class ConsentRow:
    id: uuid.UUID
    agency: str
    action: str  # given, withdrawn
    source: str  # survivor_choice, advocate
    shares: tuple[str, ...]
    stated_at: datetime
    recorded_by: int | None
    recorded_at: datetime


@dataclass(frozen=True)
class StoredReferral:
    id: uuid.UUID
    author_id: int
    agency: str
    referred_at: datetime
    basis: str  # consent, without_consent
    consent_event_id: uuid.UUID | None
    has_reason: bool
    reason: str | None  # opened only when asked for (and audited by the caller)
    created_at: datetime


def _ctx(table: str, column: str, row_id: uuid.UUID | int) -> FieldContext:
    return FieldContext(table, column, str(row_id))


def _case_key(connection: Connection, keyring: Keyring, case_id: int, now: datetime | None
              ) -> DataKey | None:
    """The case's own key; made (once) when `now` is given and there is none yet."""
    wrapped = connection.execute(select(record_keys.c.wrapped_key).where(
        record_keys.c.escalation_id == case_id)).scalar()
    context = _ctx("case_record_keys", "key", case_id)
    if wrapped is not None:
        return keyring.unwrap(wrapped, context)
    if now is None:
        return None
    key = DataKey.generate()
    connection.execute(insert(record_keys).values(
        escalation_id=case_id, wrapped_key=keyring.wrap(key, context), created_at=now))
    return key


class _Keys:
    """Opens rows sealed under either key, unwrapping the case's key at most once."""

    def __init__(self, connection: Connection, keyring: Keyring, case: CaseKeys) -> None:
        self.connection, self.keyring, self.case = connection, keyring, case
        self._case_key: DataKey | None = None

    def for_scope(self, scope: str, now: datetime | None = None) -> DataKey:
        if scope == "conversation":
            if self.case.conversation_key is None:
                raise LookupError("the conversation's key is gone")
            return self.case.conversation_key
        if scope != "case":
            raise ValueError(f"unknown record scope {scope!r}")
        if self._case_key is None:
            self._case_key = _case_key(self.connection, self.keyring, self.case.case_id, now)
        if self._case_key is None:
            raise LookupError("the case's record key is gone")
        return self._case_key


def _owner(case: CaseKeys, scope: str) -> dict[str, Any]:
    return {"escalation_id": case.case_id,
            "conversation_id": case.conversation_id if scope == "conversation" else None,
            "sealed_under": scope}


# -- notes ---------------------------------------------------------------------------------------


def add_note(connection: Connection, keyring: Keyring, case: CaseKeys, *, scope: str,
             author_id: int, body: str, now: datetime) -> uuid.UUID:
    note_id = uuid.uuid4()
    key = _Keys(connection, keyring, case).for_scope(scope, now)
    connection.execute(insert(notes_table).values(
        id=note_id, **_owner(case, scope), author_id=author_id, created_at=now,
        body_sealed=key.seal(body, _ctx("case_notes", "body", note_id))))
    return note_id


def notes(connection: Connection, keyring: Keyring, case: CaseKeys) -> list[StoredNote]:
    """Every note on the case, opened, oldest first."""
    keys = _Keys(connection, keyring, case)
    rows = connection.execute(select(notes_table).where(
        notes_table.c.escalation_id == case.case_id).order_by(notes_table.c.created_at))
    return [StoredNote(row.id, row.author_id, utc(row.created_at), keys.for_scope(
        row.sealed_under).open(row.body_sealed, _ctx("case_notes", "body", row.id)))
        for row in rows]


# -- risk assessments ----------------------------------------------------------------------------


def add_assessment(connection: Connection, keyring: Keyring, case: CaseKeys, *, scope: str,
                   author_id: int, checklist: str, answers: dict[str, str],
                   judgement: dict[str, str], now: datetime) -> uuid.UUID:
    assessment_id = uuid.uuid4()
    key = _Keys(connection, keyring, case).for_scope(scope, now)
    connection.execute(insert(assessments_table).values(
        id=assessment_id, **_owner(case, scope), author_id=author_id, checklist=checklist,
        created_at=now,
        answers_sealed=key.seal(json.dumps(answers, sort_keys=True),
                                _ctx("risk_assessments", "answers", assessment_id)),
        judgement_sealed=key.seal(json.dumps(judgement, sort_keys=True),
                                  _ctx("risk_assessments", "judgement", assessment_id))))
    return assessment_id


def assessments(connection: Connection, keyring: Keyring, case: CaseKeys
                ) -> list[StoredAssessment]:
    """Every assessment of the case, opened, newest first (the history)."""
    keys = _Keys(connection, keyring, case)
    rows = connection.execute(select(assessments_table).where(
        assessments_table.c.escalation_id == case.case_id)
        .order_by(assessments_table.c.created_at.desc()))
    found = []
    for row in rows:
        key = keys.for_scope(row.sealed_under)
        found.append(StoredAssessment(
            row.id, row.author_id, utc(row.created_at), row.checklist,
            json.loads(key.open(row.answers_sealed,
                                _ctx("risk_assessments", "answers", row.id))),
            json.loads(key.open(row.judgement_sealed,
                                _ctx("risk_assessments", "judgement", row.id)))))
    return found


# -- the consent ledger --------------------------------------------------------------------------


def add_consent(connection: Connection, case: CaseKeys, *, scope: str, agency: str,
                action: str, source: str, shares: Iterable[str], stated_at: datetime,
                recorded_by: int | None, now: datetime) -> uuid.UUID:
    """A new line in the ledger. There is no function to change or delete one: a correction
    is a new line (a withdrawal after a consent), so the history stays as it happened."""
    event_id = uuid.uuid4()
    owner = _owner(case, scope)
    owner.pop("sealed_under")
    connection.execute(insert(consent_table).values(
        id=event_id, **owner, agency=agency, action=action, source=source,
        shares=sorted(set(shares)), stated_at=stated_at, recorded_by=recorded_by,
        recorded_at=now))
    return event_id


def consents(connection: Connection, case_id: int) -> list[ConsentRow]:
    """The case's consent ledger, oldest first."""
    rows = connection.execute(select(consent_table).where(
        consent_table.c.escalation_id == case_id)
        .order_by(consent_table.c.recorded_at, consent_table.c.stated_at))
    return [ConsentRow(row.id, row.agency, row.action, row.source, tuple(row.shares or ()),
                       utc(row.stated_at), row.recorded_by, utc(row.recorded_at))
            for row in rows]


# -- referrals -----------------------------------------------------------------------------------


def add_referral(connection: Connection, keyring: Keyring, case: CaseKeys, *, scope: str,
                 author_id: int, agency: str, referred_at: datetime, basis: str,
                 consent_event_id: uuid.UUID | None, reason: str | None,
                 now: datetime) -> uuid.UUID:
    referral_id = uuid.uuid4()
    sealed = None
    if reason is not None:
        key = _Keys(connection, keyring, case).for_scope(scope, now)
        sealed = key.seal(reason, _ctx("referrals", "reason", referral_id))
    connection.execute(insert(referrals_table).values(
        id=referral_id, **_owner(case, scope), author_id=author_id, agency=agency,
        referred_at=referred_at, basis=basis, consent_event_id=consent_event_id,
        reason_sealed=sealed, created_at=now))
    return referral_id


def referrals(connection: Connection, keyring: Keyring, case: CaseKeys, *,
              open_reasons: bool) -> list[StoredReferral]:
    """The case's referrals, oldest first; their sealed reasons opened only if asked."""
    keys = _Keys(connection, keyring, case)
    rows = connection.execute(select(referrals_table).where(
        referrals_table.c.escalation_id == case.case_id)
        .order_by(referrals_table.c.referred_at, referrals_table.c.created_at))
    found = []
    for row in rows:
        reason = None
        if open_reasons and row.reason_sealed is not None:
            reason = keys.for_scope(row.sealed_under).open(
                row.reason_sealed, _ctx("referrals", "reason", row.id))
        found.append(StoredReferral(
            row.id, row.author_id, row.agency, utc(row.referred_at), row.basis,
            row.consent_event_id, row.reason_sealed is not None, reason, utc(row.created_at)))
    return found


# -- how records end -----------------------------------------------------------------------------


def count_for_conversation(connection: Connection, conversation_id: uuid.UUID
                           ) -> dict[int, dict[str, int]]:
    """Per case: how many records sealed under this conversation's key it has (what its
    erasure destroys), counts only, by kind."""
    counted: dict[int, dict[str, int]] = {}
    for name, table in COUNTED.items():
        rows = connection.execute(
            select(table.c.escalation_id, func.count())
            .where(table.c.conversation_id == conversation_id)
            .group_by(table.c.escalation_id))
        for case_id, count in rows:
            counted.setdefault(case_id, {})[name] = int(count)
    return counted


def note_erased(connection: Connection, counts: dict[int, dict[str, int]]) -> None:
    """Keep on each tombstone the counts of what its erasure destroyed (no content)."""
    for case_id, by_kind in counts.items():
        connection.execute(update(escalations).where(escalations.c.id == case_id)
                           .values(erased_records=by_kind))


def erased_counts(connection: Connection, case_id: int) -> dict[str, int]:
    found = connection.execute(select(escalations.c.erased_records).where(
        escalations.c.id == case_id)).scalar()
    return dict(found or {})


def has_case_key(connection: Connection, case_id: int) -> bool:
    return connection.execute(select(record_keys.c.escalation_id).where(
        record_keys.c.escalation_id == case_id)).first() is not None


def destroy(connection: Connection, case_ids: Iterable[int]) -> int:
    """Delete every record of these cases and their own keys (retention); how many rows."""
    ids = list(case_ids)
    if not ids:
        return 0
    removed = 0
    # Referrals first: they point at consent rows.
    for table in (referrals_table, notes_table, assessments_table, consent_table):
        removed += connection.execute(delete(table).where(
            table.c.escalation_id.in_(ids))).rowcount or 0
    connection.execute(delete(record_keys).where(record_keys.c.escalation_id.in_(ids)))
    return removed


def kept_after_erasure(connection: Connection, cutoff: datetime) -> list[int]:
    """Tombstoned cases (their conversation erased) still holding kept records, closed
    before `cutoff` and with no record written since: retention's to destroy."""
    latest_note = select(func.max(notes_table.c.created_at)).where(
        notes_table.c.escalation_id == escalations.c.id).scalar_subquery()
    return list(connection.execute(
        select(escalations.c.id)
        .join(record_keys, record_keys.c.escalation_id == escalations.c.id)
        .where(escalations.c.conversation_id.is_(None), escalations.c.closed_at < cutoff,
               func.coalesce(latest_note, escalations.c.closed_at) < cutoff)).scalars())


@dataclass(frozen=True)
class KeptCase:
    """An erased case whose records are kept: its facts and how many of each record it holds,
    nothing opened. `last_written` is the later of its erasure and its last note: retention
    counts its days from there (`kept_after_erasure`)."""

    case_id: int
    opened_at: datetime
    erased_at: datetime
    channel: str
    language: str
    counts: dict[str, int]
    last_written: datetime


def kept_cases(connection: Connection, limit: int) -> list[KeptCase]:
    """Tombstoned cases still holding kept records (their own key remains), most recently
    erased first. Counts only: no sealed column is read, so the list is no record read."""
    counted = {name: select(func.count()).where(table.c.escalation_id == escalations.c.id)
               .scalar_subquery().label(name) for name, table in COUNTED.items()}
    latest_note = select(func.max(notes_table.c.created_at)).where(
        notes_table.c.escalation_id == escalations.c.id).scalar_subquery().label("latest_note")
    rows = connection.execute(
        select(escalations.c.id, escalations.c.created_at, escalations.c.closed_at,
               escalations.c.channel, escalations.c.language, latest_note, *counted.values())
        .join(record_keys, record_keys.c.escalation_id == escalations.c.id)
        .where(escalations.c.conversation_id.is_(None))
        .order_by(escalations.c.closed_at.desc(), escalations.c.id.desc()).limit(limit)).all()
    kept = []
    for row in rows:
        # A tombstone is always closed; `created_at` stands in only for a row made by hand.
        erased_at = utc(row.closed_at or row.created_at)
        last = max(erased_at, utc(row.latest_note)) if row.latest_note else erased_at
        kept.append(KeptCase(row.id, utc(row.created_at), erased_at, row.channel, row.language,
                             {name: int(getattr(row, name)) for name in COUNTED}, last))
    return kept
