"""The audit trail's hash chain: append-only, and any change or removal is detected.

Rows are written by `app.audit.record` inside the transactions of the actions they record,
with no hash (so no writer waits on another for the chain head). Shortly after, the sweeper
seals them in id order: each row's `row_hash` links the previous row's hash with this row's
own fields, under a key only the service holds (`crypto.ChainKey`). `verify` walks the chain:
a row changed, removed or slipped in after sealing breaks it at that row.

Rows are sealed only once they are `SEAL_AFTER` old, so a transaction that committed late
(PostgreSQL hands out ids before commit) is never skipped over.

A SECRET_KEY rotation: the chain key is derived from SECRET_KEY, and SECRET_KEY is a list,
newest first. New rows are sealed under the newest; `verify` accepts each link under any
listed key, so the chain stays verifiable across the change while the old key is listed.
`reseal` (run by `flask keys rotate-secret`) then walks the whole chain, refuses if any link
fails under the listed keys (so a change cannot be laundered into a fresh seal), and
recomputes every link under the newest key in one transaction; after it the old key can go.
We re-seal rather than store a key id per row because a key id would keep the old key needed
for as long as the trail is kept, which is exactly what a rotation is meant to end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from app.crypto import ChainKey
from app.storage.db import Database
from app.storage.models import AuditEvent, table_of
from app.storage.times import utc

audit_events = table_of(AuditEvent)
_a = audit_events.c
GENESIS = "0" * 64
SEAL_AFTER = timedelta(seconds=30)
BATCH = 1000


def canonical(row: Any) -> bytes:
    """A row's fields as bytes, the same on SQLite and PostgreSQL."""
    return json.dumps({
        "id": row.id, "occurred_at": utc(row.occurred_at).isoformat(), "actor": row.actor,
        "action": row.action,
        "conversation_id": str(row.conversation_id) if row.conversation_id else None,
        "escalation_id": row.escalation_id, "purpose": row.purpose,
    }, sort_keys=True, separators=(",", ":")).encode()


def seal(database: Database, key: ChainKey, now: datetime) -> int:
    """Seal the rows written since the last seal (older than SEAL_AFTER); returns how many."""
    sealed = 0
    with database.transaction() as connection:
        head = connection.execute(select(_a.id, _a.row_hash).where(_a.row_hash.is_not(None))
                                  .order_by(_a.id.desc()).limit(1)).first()
        previous, last_id = (head.row_hash, head.id) if head else (GENESIS, 0)
        rows = connection.execute(
            select(audit_events).where(_a.id > last_id, _a.row_hash.is_(None),
                                       _a.occurred_at < now - SEAL_AFTER)
            .order_by(_a.id).limit(BATCH)).all()
        for row in rows:
            previous = key.link(previous, canonical(row))
            # Conditional: a second sealer working at the same moment computes the same link.
            connection.execute(update(audit_events).where(_a.id == row.id,
                                                          _a.row_hash.is_(None))
                               .values(row_hash=previous))
            sealed += 1
    return sealed


@dataclass(frozen=True)
class Verdict:
    intact: bool
    checked: int
    unsealed: int  # recent rows not sealed yet (normal for SEAL_AFTER)
    broken_at: int | None = None  # the first row whose link does not hold
    why: str = ""


def verify(database: Database, key: ChainKey) -> Verdict:
    """Walk the chain from the first row; the first break is reported with its row id."""
    previous, checked, unsealed, seen_unsealed = GENESIS, 0, 0, False
    with database.transaction() as connection:
        for row in connection.execute(select(audit_events).order_by(_a.id)):
            if row.row_hash is None:
                unsealed += 1
                seen_unsealed = True
                continue
            if seen_unsealed:
                return Verdict(False, checked, unsealed, row.id,
                               "an unsealed row lies before sealed ones: a row was slipped in")
            if not key.holds(previous, canonical(row), row.row_hash):
                return Verdict(False, checked, unsealed, row.id,
                               "this row, or one just before it, was changed or removed")
            previous = row.row_hash
            checked += 1
    return Verdict(True, checked, unsealed)


def reseal(database: Database, key: ChainKey) -> Verdict:
    """Re-link every sealed row under the newest key, after checking the whole chain under
    the listed keys; all or nothing (one transaction), so running it again is safe."""
    verdict = verify(database, key)
    if not verdict.intact:
        return verdict
    previous = GENESIS
    with database.transaction() as connection:
        rows = connection.execute(select(audit_events).where(_a.row_hash.is_not(None))
                                  .order_by(_a.id)).all()
        for row in rows:
            previous = key.link(previous, canonical(row))
            if previous != row.row_hash:
                connection.execute(update(audit_events).where(_a.id == row.id)
                                   .values(row_hash=previous))
    return verdict
