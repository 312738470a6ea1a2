"""SQLite writers take turns: a connection waits for the writer before it and starts as soon
as that one is done, instead of polling SQLite's lock (app/storage/db.py gives every on-disk
SQLite engine this connection class). Why, and the measurements: `WriterTurns` below and
docs/architecture.md, "The path of one SMS"."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from typing import Any, ClassVar

# Beside the database: the file whose lock says whose turn it is to write (`WriterTurns`). It
# holds no data.
WRITER_TURN_SUFFIX = "-writer"
# How long a writer waits for its turn before leaving the wait to SQLite's own lock, which
# then waits `busy_timeout` more and fails with "database is locked" (the fail-safe answers).
TURN_WAIT_SECONDS = 10.0


class _TurnCursor(sqlite3.Cursor):
    """A cursor that asks its connection for the writer's turn before a statement that writes."""

    def execute(self, sql: str, parameters: Any = (), /) -> _TurnCursor:
        turns = self.connection
        if isinstance(turns, WriterTurns):
            turns.before(sql)
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> _TurnCursor:
        turns = self.connection
        if isinstance(turns, WriterTurns):
            turns.before(sql)
        return super().executemany(sql, parameters)


class WriterTurns(sqlite3.Connection):
    """A SQLite connection that takes a turn before it writes, so writers queue and are handed
    the database at once instead of polling for it.

    SQLite lets one connection write at a time. A second writer that finds the file locked
    sleeps in SQLite's busy handler for 1, 2, 5, 10 ... up to 100 ms between tries, and can
    keep missing a lock that two busy web workers take in turn: measured on the webhook bench
    (2 gunicorn workers, 16 connections), that put p99 at 600-900 ms for a request whose own
    work takes 4 ms. Here a connection takes an advisory lock on a file beside the database
    (`<db>-writer`) before its first writing statement and lets go after its commit or
    rollback. Every process and thread using this code waits for that lock, checking at
    least every millisecond, so it starts within a millisecond of the writer before it.
    SQLite's own locking is unchanged and still guards against anything else (the sqlite3
    shell, a backup).

    The turn is taken at the first write, not at BEGIN: reads before it (the webhook's one
    look-up, the flow step, the sealing) keep running beside another writer, as WAL allows.
    A lock held by a process that dies is released by the kernel. A thread that already
    holds a turn through another connection does not wait for a second one (it would wait
    for itself); SQLite's own lock decides that case as before.
    """

    lock_path: ClassVar[str] = ""
    _held_here = threading.local()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turn: _Turn | None = None

    @classmethod
    def for_database(cls, database: str) -> type[WriterTurns]:
        return type("WriterTurnsFor", (cls,), {"lock_path": database + WRITER_TURN_SUFFIX})

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or _TurnCursor)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        return self.cursor().executemany(sql, parameters)

    def before(self, sql: str) -> None:
        if self._turn is None and _writes(sql) and not getattr(self._held_here, "count", 0):
            self._turn = _take_turn(self.lock_path)
            if self._turn is not None:
                self._held_here.count = getattr(self._held_here, "count", 0) + 1

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_turn()

    def _end_turn(self) -> None:
        turn, self._turn = self._turn, None
        if turn is None:
            return
        self._held_here.count = max(0, getattr(self._held_here, "count", 1) - 1)
        turn.give_back()


# Statements that only read; anything else (INSERT, UPDATE, DELETE, DDL, VACUUM ...) writes.
_READING = ("SELECT", "PRAGMA", "EXPLAIN", "BEGIN", "COMMIT", "ROLLBACK", "RELEASE", "SAVEPOINT")


def _writes(sql: str) -> bool:
    # Called for every statement until the connection writes (the webhook's look-up too):
    # only the first word is read, not the whole statement upper-cased.
    return not sql.lstrip()[:9].upper().startswith(_READING)


# One lock per database file per process: the threads of a process (gunicorn's gthread
# workers run 8) queue on it, asleep, and only the one at its head waits on the file. Were
# they all to poll the file, each wake-up would take the interpreter's lock from the thread
# that holds the turn, and stretch the turn they wait for (seen: 44% of a worker's samples).
class _ProcessTurns:
    def __init__(self) -> None:
        self.forget()

    def forget(self) -> None:
        """New locks: in a forked child, one another thread of the parent held would never be
        released."""
        self.guard = threading.Lock()
        self.locks: dict[str, threading.Lock] = {}

    def lock_for(self, path: str) -> threading.Lock:
        with self.guard:
            return self.locks.setdefault(path, threading.Lock())


_PROCESS_TURNS = _ProcessTurns()
os.register_at_fork(after_in_child=_PROCESS_TURNS.forget)


class _Turn:
    """A held turn: this process's lock for the file, and the file's lock across processes."""

    def __init__(self, process_lock: threading.Lock, descriptor: int) -> None:
        self.process_lock, self.descriptor = process_lock, descriptor

    def give_back(self) -> None:
        # Unlock before closing: a process forked while this was held shares the file lock,
        # and only an explicit unlock releases it for both.
        try:
            fcntl.flock(self.descriptor, fcntl.LOCK_UN)
        finally:
            os.close(self.descriptor)
            self.process_lock.release()


def _take_turn(path: str) -> _Turn | None:
    """Wait for the writer's turn on `path`: None if it could not be had in TURN_WAIT_SECONDS
    (or the file cannot be opened), and SQLite's own lock decides."""
    deadline = time.monotonic() + TURN_WAIT_SECONDS
    process_lock = _PROCESS_TURNS.lock_for(path)
    if not process_lock.acquire(timeout=TURN_WAIT_SECONDS):
        return None
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        process_lock.release()
        return None
    # A blocking flock cannot be given a deadline from a thread, so the one waiter of this
    # process polls, starting at 0.1 ms and never sleeping more than 1 ms: a writer that is
    # done is followed within a millisecond, where SQLite's busy handler may sleep 100 ms.
    pause = 0.0001
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return _Turn(process_lock, descriptor)
        except BlockingIOError:
            if time.monotonic() < deadline:
                time.sleep(pause)
                pause = min(pause * 2, 0.001)
                continue
        except OSError:
            pass
        os.close(descriptor)
        process_lock.release()
        return None
