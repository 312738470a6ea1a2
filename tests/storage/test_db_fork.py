"""A forked process never shares its parent's database connections (RQ forks a process per job
beside the worker's sweeper thread; gunicorn forks its workers from the master). The staff-load
bench found the sweeper and a job failing together on PostgreSQL when they did."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from app.storage.db import Database

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def _identity(database: Database) -> str:
    with database.transaction() as connection:
        if database.engine.dialect.name == "postgresql":
            return str(connection.execute(text("SELECT pg_backend_pid()")).scalar())
        # The DB-API connection object's id: the same object means the same SQLite handle.
        return str(id(connection.connection.dbapi_connection))


def test_a_forked_child_opens_its_own_connection_and_leaves_the_parents_working(
        environ: dict[str, str]) -> None:
    database = Database(environ["DATABASE_URL"])
    try:
        parent = _identity(database)  # now pooled, checked in, as between two sweeps
        reader, writer = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover -- runs in the child, which reports through the pipe
            try:
                os.write(writer, _identity(database).encode())
            finally:
                os._exit(0)
        os.close(writer)
        with os.fdopen(reader) as pipe:
            in_child = pipe.read()
        os.waitpid(child, 0)
        assert in_child
        assert in_child != parent
        assert _identity(database) == parent  # the parent's own connection still works
    finally:
        database.dispose()
