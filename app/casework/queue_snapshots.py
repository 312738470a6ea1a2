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
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

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

    def forget(self) -> None:
        """Drop the snapshot: this process just changed a case, so the next poll rebuilds."""
        self._current = None
