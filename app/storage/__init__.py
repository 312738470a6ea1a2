"""Storage: the database engine, the models, the migrations and the sealed queries.

Owns the SQLAlchemy engine and transactions (`db`), the tables (`models`), Alembic migrations
(`migrate`, `migrations/`), reading and writing conversations and messages sealed under each
conversation's data key (`vault`; read back: `transcripts`), the case view of them (`cases`)
and UTC on read (`times`). Nothing outside this package writes SQL against conversations or
messages without going through `vault` or `cases`, so nothing is stored unsealed.

May import: `app.crypto` (sealing) and nothing else of the app. No HTTP, no Twilio, no queue.
"""
