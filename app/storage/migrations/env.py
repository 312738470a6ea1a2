"""Alembic environment: runs migrations on the engine our code hands over."""

from __future__ import annotations

from alembic import context

from app.storage.models import Base

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds a table by copying it and dropping the old one. With foreign keys
        # on, that DROP deletes the old rows first and fires ON DELETE CASCADE into the rows
        # that point at them (the replies waiting to go, the new copy's own reply links), so
        # they are off while migrating (as Alembic advises) and checked before the commit. The
        # pragma only takes effect outside a transaction, which is where this connection is.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # SQLite cannot ALTER most things in place; batch mode rebuilds tables safely there
            # and is a no-op on PostgreSQL.
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                raise RuntimeError("a migration left rows pointing at rows that do not exist")
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
