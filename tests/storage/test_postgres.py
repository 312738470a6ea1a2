"""PostgreSQL-only checks, beside the suites that run on both databases.

The webhook, casework (claim races), replies, erasure, retention, report and audit suites run
on SQLite and PostgreSQL through `@pytest.mark.databases`; this module holds what only makes
sense here: the migrated schema, races of first messages and of reply jobs, key rotation,
and what stays in PostgreSQL's own files after an erasure. Production runs on PostgreSQL
(docs/deploy.md), where concurrency differs from SQLite's single writer: leases race for real
and ids are handed out before commit. The cluster and per-test databases come from
tests/conftest.py.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, text

from app.audit import chain as audit_chain
from app.crypto import ChainKey, Keyring, generate_key_token
from app.lifecycle import rotation
from app.services import services
from app.storage.db import make_engine
from app.storage.models import Base, Conversation, Message, Reply
from app.worker import jobs
from tests.conftest import PG_TEMPLATE, MovableClock
from tests.support.canary import Canary
from tests.support.cases import claim, open_case, send_reply
from tests.support.fake_twilio import FakeTwilio
from tests.support.servers import PostgresServer
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

TEMPLATE = PG_TEMPLATE
HANG_DEADLINE = 300.0  # seconds; bounds a hang only, never the time a step may take
# The fake Twilio first, so every app here is built pointing at it; PostgreSQL only.
pytestmark = [pytest.mark.usefixtures("fake_twilio"), pytest.mark.databases("postgresql")]


def test_the_migrations_match_the_models_on_postgresql(postgres: PostgresServer) -> None:
    engine = make_engine(postgres.url(TEMPLATE))
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection),
                                    Base.metadata) == []
            indexes = {row[0]: row[1] for row in connection.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'uq_%'"))}
        assert "WHERE (closed_at IS NULL)" in indexes["uq_conversations_open_contact"]
        assert "WHERE" in indexes["uq_escalations_unfinished"]
    finally:
        engine.dispose()


def test_two_first_messages_at_once_make_one_conversation(
        app: Flask, twilio: TwilioSigner) -> None:
    barrier = threading.Barrier(4)

    def first_message(n: int) -> None:
        barrier.wait()
        twilio.sms(f"hello {n}")

    threads = [threading.Thread(target=first_message, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context(), services().database.session() as session:
        assert session.scalar(select(func.count()).select_from(Conversation)) == 1
        assert session.scalar(select(func.count()).select_from(Message)
                              .where(Message.direction == "in")) == 4


@pytest.mark.usefixtures("fake_twilio", "inline_jobs")
def test_a_reply_raced_by_three_jobs_is_sent_once_on_postgresql(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, advocate: FlaskClient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = open_case(twilio)  # Tuesday 10:00: the advocate fixture set the clock
    claim(advocate, case_id)
    with app.app_context():
        # The reply is stored but its job is not run: three workers will race for it below.
        monkeypatch.setattr(services().dispatcher, "reply", lambda _reply_id: True)
    send_reply(advocate, case_id, "Hello, this is Sam.")
    with app.app_context(), services().database.session() as session:
        reply_id = session.scalars(select(Reply.id)).one()
    barrier = threading.Barrier(3)
    results: list[str] = []
    answered = threading.Lock()
    two_answered = threading.Event()

    def run_job() -> None:
        with app.app_context():
            barrier.wait()
            result = jobs.send_reply(reply_id)
        with answered:
            results.append(result)
            if len(results) == 2:
                two_answered.set()

    # Whoever takes the lease is held on its way to Twilio, after the lease is committed and
    # before its request starts, until the other two have answered: all three overlap
    # however slowly the machine schedules them, and no HTTP timeout runs meanwhile. (Two
    # takers of one lease would both wait here for answers that never come; the deadline only
    # bounds that hang, and the count at Twilio then fails the test.)
    with app.app_context():
        sender = services().sender()
    send = sender.send

    def send_after_the_others(to: str, body: str) -> str:
        two_answered.wait(timeout=HANG_DEADLINE)
        return send(to, body)

    monkeypatch.setattr(sender, "send", send_after_the_others)
    threads = [threading.Thread(target=run_job) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context(), services().database.session() as session:
        row = session.get(Reply, reply_id)
        assert row is not None
        state = (row.status, row.error_kind, row.attempts)
    assert fake_twilio.count(to=SURVIVOR) == 1, (results, state, fake_twilio.requests)
    assert sorted(results) == ["held by another worker", "held by another worker", "sent"]


def test_rotation_and_the_audit_chain_on_postgresql(
        app: Flask, twilio: TwilioSigner, environ: dict[str, str], clock: MovableClock) -> None:
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    for n in range(3):
        open_case(twilio, f"+44770090020{n}")
    new_key = generate_key_token()
    with app.app_context():
        built = services()
        keyring = Keyring([new_key, environ["QUIETLINE_DATA_KEYS"]])
        done = rotation.rotate(built.database, keyring)
        assert done.rewrapped == 3
        chain = ChainKey(built.settings.secret_key)
        assert audit_chain.seal(built.database, chain, clock() + timedelta(minutes=1)) >= 3
        assert audit_chain.verify(built.database, chain).intact


@pytest.mark.usefixtures("fake_twilio", "inline_jobs")
def test_an_erased_conversations_data_key_leaves_the_postgresql_table_files(
        app: Flask, twilio: TwilioSigner, postgres: PostgresServer) -> None:
    """PostgreSQL keeps deleted tuples in its table files until VACUUM; the erasure's
    reclaim job runs it. (The WAL keeps them until its segment is recycled: docs/deploy.md.)"""
    twilio.sms("Quince harbour 6634 he moved my car keys")
    with app.app_context(), services().database.session() as session:
        wrapped = session.scalars(select(Conversation.wrapped_key)).one()
    twilio.sms("delete")
    twilio.sms("1")
    admin = create_engine(postgres.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CHECKPOINT"))
    admin.dispose()
    tables = postgres.data / "base"
    holding = [path.name for path in tables.rglob("*")
               if path.is_file() and wrapped in path.read_bytes()]
    assert holding == []


@pytest.mark.usefixtures("fake_twilio", "inline_jobs")
def test_no_canary_is_in_the_postgresql_data_directory_after_erasure_and_purge(
        app: Flask, twilio: TwilioSigner, postgres: PostgresServer, clock: MovableClock,
        tmp_path: Path) -> None:
    """Survivors' words and numbers are never written in clear, WAL included; after an
    erasure and a retention purge, nothing of either canary can be found anywhere in the
    server's files."""
    # No advocate replies here, so each canary's reply is a string that is never sent.
    erased = Canary(text="Mulberry signal 3309 he follows me to work",
                    reply="Ochre meadow 7711 never sent", number="+447700900881")
    purged = Canary(text="Juniper staircase 5120 he took my phone again",
                    reply="Slate orchard 2290 never sent", number="+447700900882")
    clock.set(datetime(2026, 8, 1, 10, 0, tzinfo=UTC))
    twilio.sms(purged.text, sender=purged.number)
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    twilio.sms(erased.text, sender=erased.number)
    twilio.sms("delete", sender=erased.number)
    twilio.sms("1", sender=erased.number)
    report = tmp_path / "report.json"
    result = app.test_cli_runner().invoke(args=["retention", "purge", "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert json.loads(report.read_text())["conversations_deleted"] == 1
    admin = create_engine(postgres.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CHECKPOINT"))
    admin.dispose()
    files = b"\n".join(path.read_bytes() for path in postgres.data.rglob("*")
                       if path.is_file())
    for canary in (erased, purged):
        canary.assert_absent(files, "the PostgreSQL data directory")
