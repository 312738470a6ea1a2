"""What is left of an erased case, and for how long (docs/threat-model.md, "After erasure").

A survivor's erasure leaves the case row as a closed tombstone, so an advocate who worked it
sees "closed by the survivor" rather than a case that vanished, and a deployment that keeps
a case's own records after erasure (`[casework] keep_notes_after_erasure`) has somewhere to
hang them. The partnership report needs nothing from it: its figures were counted when each
event happened (app/storage/tallies.py). So the tombstone keeps only:
- the days it was opened and erased, not the minutes (the minute a survivor wrote, beside the
  minute they erased it, is the pattern of someone's day);
- no priority (an urgent "cannot talk" case said the abuser was there), and no channel or
  language unless the case's kept records are still there (their pages name them);
- how many records the erasure destroyed (counts only), as before.
And it keeps them for `[retention] days` after the erasure: the retention run then deletes the
row, once no kept records hang on it. A case retention itself erases keeps no tombstone:
the conversation was already past the retention period, so nothing is left to explain.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, delete, exists, select, update

from app.storage.models import CaseRecordKey, Escalation, table_of
from app.storage.times import utc

escalations = table_of(Escalation)
record_keys = table_of(CaseRecordKey)
# A tombstone's priority: no real one (routine 1, high 2, urgent 3).
NO_PRIORITY = 0


def day_of(moment: datetime) -> datetime:
    """The UTC day `moment` fell on, as its midnight."""
    return utc(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def coarsen(connection: Connection, case_ids: Iterable[int]) -> None:
    """Reduce the erased cases to what a tombstone keeps (the module docstring). Call it after
    the report's counters have read the exact times (`tallies.cases_closed`)."""
    ids = list(case_ids)
    if not ids:
        return
    kept = set(connection.execute(select(record_keys.c.escalation_id).where(
        record_keys.c.escalation_id.in_(ids))).scalars())
    times = ("closed_at", "claimed_at", "notified_at")
    for row in connection.execute(select(escalations.c.id, escalations.c.created_at,
                                         *(escalations.c[name] for name in times))
                                  .where(escalations.c.id.in_(ids))).all():
        values: dict[str, object] = {"created_at": day_of(row.created_at),
                                     "priority": NO_PRIORITY}
        # (notified_at stays set: None would tell the sweeper the alert is still to send.)
        values.update({name: day_of(getattr(row, name)) for name in times
                       if getattr(row, name) is not None})
        if row.id not in kept:
            values.update(channel="", language="")
        connection.execute(update(escalations).where(escalations.c.id == row.id)
                           .values(**values))


def delete_cases(connection: Connection, case_ids: Iterable[int]) -> int:
    """Delete these cases' rows outright (with what cascades from them: who viewed or read
    them, handovers, calls, alerts); how many."""
    ids = list(case_ids)
    if not ids:
        return 0
    return connection.execute(delete(escalations).where(escalations.c.id.in_(ids))).rowcount or 0


def forget(connection: Connection, cutoff: datetime) -> int:
    """The retention run: delete the tombstones of erasures before `cutoff` that hold no kept
    records (those go first, on their own clock: app/storage/case_records.py); how many."""
    holds_records = exists().where(record_keys.c.escalation_id == escalations.c.id)
    due = list(connection.execute(select(escalations.c.id).where(
        escalations.c.conversation_id.is_(None), escalations.c.closed_at < cutoff,
        ~holds_records)).scalars())
    return delete_cases(connection, due)
