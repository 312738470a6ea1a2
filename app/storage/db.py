"""The database engine and sessions.

SQLite is the default (one file under `instance/`), PostgreSQL in production. Queries are
written with SQLAlchemy Core/ORM constructs only, so the same code runs on both.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from app.private_files import private_file

# SQLite makes these beside the database, with the database file's own permissions.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
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
        _owner_only_sqlite_files(make_url(url).database)
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


def _owner_only_sqlite_files(database: str | None) -> None:
    """Create the database file 0600 before SQLite does (SQLite would use the umask, 0644 with
    most), so its WAL and shared-memory files, which SQLite gives the database file's mode, are
    0600 too; tighten files an older version left readable. Not for in-memory databases."""
    if not database or database == ":memory:" or database.startswith("file:"):
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
        self.engine.dispose()
