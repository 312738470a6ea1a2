"""The queue, built once and shared by every advocate polling it in this process.

Thirty advocates with the queue open poll it sixty times a second. Building it means opening
every unfinished case's key, state and window and deciding its delivery gate: about 90 ms for
1,000 cases on one core, so building it per poll cannot keep up (bench/staff_load.py). The
queue is the same for everyone (what differs per advocate, such as which cases are theirs and
which have unread messages, is added per request), so one build serves every poll until:

- the database's summary of the unfinished cases changes (`cases.unfinished_fingerprint`, one
  cheap aggregate query per poll): a new case, a claim, a release, a closed case, a new
  message and the like show on the next poll, as before;
- or MAX_AGE seconds have passed, by the wall clock or by the service's clock (tests move
  it), for what the summary cannot see, such as the clock moving a case into its safe-contact
  window.

One build at a time: a poll that finds the snapshot stale while another is building waits for
that build instead of starting its own. Nothing here is sealed or stored: it is the same
content-free data the queue has always shown, held in this process's memory.

`SharedQueue` builds the queue's rows (`QueueItem`) and keeps them in `Snapshots`; who may see
the queue is decided by the desk (app/casework/desk.py `Casework.queue_snapshot`), which asks
it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from app.casework import outbound_gate
from app.casework.escalation import PRIORITY_NAMES
from app.crypto import Keyring
from app.storage import cases
from app.storage.db import Database

MAX_AGE = 1.0  # seconds

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    value: T
    fingerprint: Hashable
    taken_at: datetime  # the service's clock when built
    built: float  # time.monotonic() when built


class Snapshots(Generic[T]):
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._current: Snapshot[T] | None = None

    def _fresh(self, snapshot: Snapshot[T] | None, fingerprint: Hashable,
               now: datetime) -> bool:
        if snapshot is None:
            return False
        age = self._monotonic() - snapshot.built
        clock_age = (now - snapshot.taken_at).total_seconds()
        return (0 <= age < MAX_AGE and 0 <= clock_age < MAX_AGE
                and snapshot.fingerprint == fingerprint)

    def get(self, fingerprint: Hashable, now: datetime,
            build: Callable[[], T]) -> Snapshot[T]:
        """The current snapshot if it is fresh for `fingerprint` at `now`, else a new one."""
        current = self._current
        if self._fresh(current, fingerprint, now):
            assert current is not None  # noqa: S101 -- for the type checker; _fresh said so
            return current
        with self._lock:
            current = self._current  # another request may have built it while we waited
            if self._fresh(current, fingerprint, now):
                assert current is not None  # noqa: S101
                return current
            current = Snapshot(build(), fingerprint, now, self._monotonic())
            self._current = current
            return current


@dataclass(frozen=True)
class QueueItem:
    id: int
    reference: str
    priority: str
    status: str
    language: str
    channel: str
    reasons: tuple[str, ...]
    waiting_seconds: int
    claimed_by: int | None
    window: str  # "inside", "outside", "not_given", "not_needed", or a hold reason
    flood_followers: int = 0  # cases listed under this one: a possible flood (floods.py)


@dataclass(frozen=True)
class QueueSnapshot:
    """The queue built once for every advocate. `items` is the same tuple, by identity, for
    as long as that build serves, so views may memoise on it."""

    items: tuple[QueueItem, ...]
    taken_at: datetime


def under_flood_leads(records: list[cases.CaseRecord]
                      ) -> tuple[list[cases.CaseRecord], dict[int, int]]:
    """The queue's rows without the cases listed under an unfinished flood lead, and how many
    each lead has. A case whose lead is finished shows on its own again."""
    unfinished = {record.id for record in records}
    followers: dict[int, int] = {}
    shown = []
    for record in records:
        if record.flood_lead_id in unfinished:
            followers[record.flood_lead_id] = followers.get(record.flood_lead_id, 0) + 1
        else:
            shown.append(record)
    return shown, followers


class SharedQueue:
    """Unfinished cases, most urgent first, then longest waiting, built once per change for
    everyone. No content at all. `gate` is the desk's delivery gate for a case."""

    def __init__(self, *, database: Database, keyring: Keyring,
                 clock: Callable[[], datetime],
                 gate: Callable[[cases.CaseRecord], outbound_gate.Gate]) -> None:
        self.database = database
        self.keyring = keyring
        self.clock = clock
        self.gate = gate
        self._snapshots: Snapshots[tuple[QueueItem, ...]] = Snapshots()

    def snapshot(self) -> QueueSnapshot:
        """The queue as built at one moment: its `waiting_seconds` are as of `taken_at`."""
        now = self.clock()
        with self.database.transaction() as connection:
            fingerprint = cases.unfinished_fingerprint(connection)
        shot = self._snapshots.get(fingerprint, now, lambda: self._build(now))
        return QueueSnapshot(shot.value, shot.taken_at)

    def waiting(self, snapshot: QueueSnapshot) -> list[int]:
        """Each item's waiting time now, in whole seconds."""
        since = max(0, int((self.clock() - snapshot.taken_at).total_seconds()))
        return [item.waiting_seconds + since for item in snapshot.items]

    def _build(self, now: datetime) -> tuple[QueueItem, ...]:
        with self.database.transaction() as connection:
            records = cases.unfinished(connection, self.keyring)
        records, followers = under_flood_leads(records)
        return tuple(QueueItem(
            r.id, r.reference, PRIORITY_NAMES.get(r.priority, "routine"), r.status, r.language,
            r.channel, r.reasons, int((now - r.created_at).total_seconds()), r.claimed_by,
            self._window_summary(r), followers.get(r.id, 0)) for r in records)

    def _window_summary(self, record: cases.CaseRecord) -> str:
        gate = self.gate(record)
        if gate.reason == "outside_window":
            return "outside"
        if gate.reason is not None:
            return gate.reason
        if record.channel != "sms":
            return "not_needed"
        return "inside" if record.window_text else "not_given"
