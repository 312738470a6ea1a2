"""The database engine and sessions.

SQLite is the default (one file under `instance/`), PostgreSQL in production. Queries are
written with SQLAlchemy Core/ORM constructs only, so the same code runs on both.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from app.private_files import private_file
from app.storage.writer_turns import WriterTurns

_log = logging.getLogger(__name__)

# SQLite makes these beside the database, with the database file's own permissions.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
# With checkpoints in the background (`Database.checkpoint_in_background`): how often, and the
# WAL size in pages (4 KiB each) at which a committing request checkpoints after all, should
# the background thread have stopped.
CHECKPOINT_SECONDS = 1.0
BACKSTOP_PAGES = 10_000
# Every engine this process made, so a forked child can let go of their pooled connections.
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def _forget_inherited_connections() -> None:
    """In a forked child: drop, without closing, the pooled connections the parent holds.

    RQ runs each job in a process forked from the worker, whose sweeper thread keeps using the
    same engine; gunicorn forks its workers from a master that built the app. A connection
    used from two processes at once corrupts both sides' conversation with the database (the
    staff-load bench saw the sweeper fail with an OperationalError while a job forked beside
    it failed on a connection "in transaction" on PostgreSQL). `close=False` leaves the
    parent's connections open for the parent; the child opens its own (SQLAlchemy's advice
    for os.fork)."""
    for engine in list(_ENGINES):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


def make_engine(url: str, **options: Any) -> Engine:
    """Create an engine that never puts bound values (message text, numbers) in its errors."""
    sqlite = url.startswith("sqlite")
    if sqlite:
        database = make_url(url).database
        _owner_only_sqlite_files(database)
        if _on_disk(database):
            connect_args = dict(options.pop("connect_args", {}))
            connect_args.setdefault("factory", WriterTurns.for_database(str(database)))
            options["connect_args"] = connect_args
    engine = create_engine(
        url,
        # SQLAlchemy otherwise prints bound parameters in exception text, which would put
        # ciphertext lengths and look-up hashes (and any future clear value) into logs.
        hide_parameters=True,
        pool_pre_ping=not sqlite,
        **options,
    )
    if sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    _ENGINES.add(engine)
    return engine


def _on_disk(database: str | None) -> bool:
    return bool(database) and database != ":memory:" and not str(database).startswith("file:")


def _owner_only_sqlite_files(database: str | None) -> None:
    """Create the database file 0600 before SQLite does (SQLite would use the umask, 0644 with
    most), so its WAL and shared-memory files, which SQLite gives the database file's mode, are
    0600 too; tighten files an older version left readable. Not for in-memory databases."""
    if not database or not _on_disk(database):
        return
    path = Path(database)
    try:
        private_file(path)
        for suffix in SQLITE_COMPANIONS:
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                private_file(companion)
    except OSError:
        # A missing folder or a read-only file: SQLite reports it when the database is used,
        # where the fail-safe reply handles it (docs/threat-model.md, A5), not at start-up.
        return


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets the web workers read while one writes. synchronous=FULL makes each commit
        # durable: a survivor's message that we answered must not vanish in a power cut.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Several gunicorn workers share one file; wait for the writer instead of failing.
        # 10 s: on a loaded 2-core server (bench/staff_load.py at load 10-15) writers waited
        # more than 5 s; it stays inside Twilio's 15 s, so a webhook that still cannot write
        # answers with the fail-safe reply before Twilio gives up.
        cursor.execute("PRAGMA busy_timeout=10000")
        # Deleted rows are overwritten, so erased text does not linger in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
    finally:
        cursor.close()


class Database:
    """The engine and a session factory for one app."""

    def __init__(self, url: str, **options: Any) -> None:
        self.engine = make_engine(url, **options)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._checkpoints: _Checkpoints | None = None

    def checkpoint_in_background(self) -> bool:
        """SQLite on disk: copy the WAL into the database from a thread of this process, not
        in a request. Whether it was started (not for PostgreSQL or an in-memory database).

        SQLite otherwise checkpoints inside whichever commit takes the WAL past 1,000 pages:
        that request copies the pages and waits for the database file's fsync (synchronous=
        FULL), and every request queued behind it on the worker waits too. Measured in the
        webhook profile at load 4-7, it was most of the requests slower than 20 ms. Commits
        stay exactly as durable: a commit is durable once the WAL is synced; the checkpoint
        only moves committed pages. Call it in each serving process after it is forked (a
        thread does not survive a fork, and one forked mid-checkpoint could inherit SQLite's
        locks held). Connections opened from then on checkpoint in a commit only past
        BACKSTOP_PAGES, so the WAL stays bounded if the thread stops."""
        database = self.engine.url.database
        if self.engine.dialect.name != "sqlite" or not _on_disk(database):
            return False
        if self._checkpoints is None or not self._checkpoints.is_alive():
            event.listen(self.engine, "connect", _checkpoint_backstop)
            # Pooled connections were opened with SQLite's own 1,000-page checkpoints.
            self.engine.dispose()
            self._checkpoints = _Checkpoints(self.engine)
            self._checkpoints.start()
        return True

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction the caller commits; rolled back on any error."""
        session = self.sessions()
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a transaction: committed when the block ends, rolled back on error."""
        with self.engine.begin() as connection:
            yield connection

    def reclaim(self) -> None:
        """After erasure or retention: make deleted rows' bytes leave the database files.

        SQLite overwrites deleted content at once (secure_delete); its WAL file still holds the
        old pages until a checkpoint, which TRUNCATE empties. PostgreSQL leaves deleted tuples
        in the table files until VACUUM prunes them (measured: an erased conversation's wrapped
        data key was still in the table file after DELETE and CHECKPOINT, and gone after
        VACUUM). Its WAL keeps them until the segment is recycled (docs/deploy.md).
        """
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif self.engine.dialect.name == "postgresql":
            with self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql(
                    "VACUUM conversations, messages, replies, escalations, resume_words")

    def dispose(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.stop()
        self.engine.dispose()


def _checkpoint_backstop(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
    finally:
        cursor.close()


class _Checkpoints(threading.Thread):
    """Every CHECKPOINT_SECONDS, a PASSIVE checkpoint: it copies what it can without waiting
    for readers or writers, and neither waits for it."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(name="sqlite-checkpoints", daemon=True)
        self._engine = weakref.ref(engine)
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        failures = 0
        while not self._stopping.wait(CHECKPOINT_SECONDS):
            engine = self._engine()
            if engine is None:
                return
            try:
                with engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
                failures = 0
            except Exception as error:  # noqa: BLE001 -- a request's commit checkpoints instead
                failures += 1
                if failures in (1, 100):
                    _log.warning("event=sqlite.checkpoint_failed error=%s failures=%s",
                                 type(error).__name__, failures)
            finally:
                del engine
