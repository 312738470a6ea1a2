"""A message answered by the fail-safe during a database outage is kept sealed and stored once
the database is back (issue 23, item 5; docs/threat-model.md, A5).

The outage is real: on SQLite another connection holds the write lock, so the webhook reads,
then cannot write (mid-request); on PostgreSQL the server is stopped and started again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, select

from app.content.failsafe import EMERGENCY_TEXT_EN
from app.conversation import spool
from app.conversation.service import InboundMessage
from app.services import Services, services
from app.storage import transcripts
from app.storage.models import Conversation, Escalation, Message
from app.worker import sweeper
from tests.channels.test_webchat import send, start
from tests.conftest import MovableClock
from tests.support.fake_twilio import FakeTwilio
from tests.support.servers import PostgresServer
from tests.support.sms import count, reply_text
from tests.support.twilio_signing import SURVIVOR, TwilioSigner, new_sid

pytestmark = pytest.mark.usefixtures("fake_twilio", "inline_jobs")
TUESDAY_10AM = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
SATURDAY_2PM = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
TEAM, ON_CALL = "+447700900999", "+447700900998"
Outage = Callable[[], AbstractContextManager[None]]
OUTAGE_WAIT_MS = 200


@contextmanager
def brief_lock_waits(engine: Engine) -> Iterator[None]:
    """Inside the block the app's SQLite connections wait 0.2 s for a lock, not the service's
    busy timeout (app/storage/db.py, 10 s): each write still waits for the lock and then
    fails, as in a real outage, without the test sitting out the whole timeout each time."""
    def brief(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA busy_timeout={OUTAGE_WAIT_MS}")

    event.listen(engine, "connect", brief)  # after the service's own pragmas
    engine.dispose()  # the pooled connections were opened with the long wait
    try:
        yield
    finally:
        event.remove(engine, "connect", brief)
        engine.dispose()


@pytest.fixture
def outage(database_kind: str, database_path: Path, request: pytest.FixtureRequest
           ) -> Callable[[], AbstractContextManager[None]]:
    """`with outage():` the database is unavailable inside the block, and back after it."""
    @contextmanager
    def down() -> Iterator[None]:
        if database_kind == "sqlite":
            built: Services = request.getfixturevalue("built")
            holder = sqlite3.connect(database_path, timeout=0, isolation_level=None)
            holder.execute("BEGIN EXCLUSIVE")  # reads still work; every write waits, then fails
            try:
                with brief_lock_waits(built.database.engine):
                    yield
            finally:
                holder.execute("ROLLBACK")
                holder.close()
        else:
            server: PostgresServer = request.getfixturevalue("postgres")
            pg_ctl = str(server.bin / "pg_ctl")
            server._run(pg_ctl, "-D", str(server.data), "-m", "fast", "stop")  # noqa: SLF001 -- the helper's own runner (as the postgres user)
            try:
                yield
            finally:
                server._run(pg_ctl, "-D", str(server.data), "-w", "-l",  # noqa: SLF001 -- as above
                            str(server.directory / "server.log"), "-o",
                            f"-p {server.port} -k {server.directory} "
                            "-c listen_addresses=127.0.0.1 -c fsync=off "
                            "-c synchronous_commit=off -c full_page_writes=off", "start")

    return down


def sweep(app: Flask) -> dict[str, int]:
    with app.app_context():
        return sweeper.sweep()


def transcript(built: Services) -> list[tuple[str, str, str]]:
    with built.database.transaction() as connection:
        conversation_id = connection.execute(select(Conversation.id)).scalar_one()
        return [(m.direction, m.author, m.body)
                for m in transcripts.transcript(connection, built.keyring, conversation_id)]


def cases(built: Services) -> list[tuple[int, list[str], str]]:
    with built.database.session() as session:
        return [(c.priority, c.reasons, c.status) for c in session.scalars(select(Escalation))]


@pytest.mark.databases("sqlite", "postgresql")
def test_a_request_for_a_person_during_an_outage_reaches_the_queue_when_the_database_is_back(
        app: Flask, built: Services, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        clock: MovableClock, outage: Outage) -> None:
    clock.set(TUESDAY_10AM)
    built.redis.delete("quietline:queue-watchers")
    with outage():
        assert reply_text(twilio.sms("person")) == EMERGENCY_TEXT_EN
        assert built.spool.size() == 1
    assert count(built, Message) == 0  # nothing was stored: the outage was real
    assert sweep(app)["spooled"] == 1
    assert built.spool.size() == 0
    assert transcript(built) == [("in", "survivor", "person"),
                                 ("out", "flow", EMERGENCY_TEXT_EN)]
    assert cases(built) == [(1, ["asked_for_person"], "open")]
    assert [m.to for m in fake_twilio.messages] == [TEAM]  # notified as any new case is
    assert sweep(app)["spooled"] == 0
    assert count(built, Message) == 2


def test_an_urgent_message_during_an_outage_at_night_alerts_the_on_call_phone_on_replay(
        app: Flask, built: Services, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        clock: MovableClock, outage: Outage) -> None:
    clock.set(SATURDAY_2PM)
    with outage():
        twilio.sms("he tried to strangle me")
    sweep(app)
    assert cases(built) == [(3, ["triage_urgent", "strangulation"], "open")]
    assert [m.to for m in fake_twilio.messages] == [ON_CALL]


def test_a_replayed_message_is_never_stored_twice(
        app: Flask, built: Services, twilio: TwilioSigner) -> None:
    sid = new_sid()
    twilio.sms("person", sid=sid)  # stored normally
    message = InboundMessage("sms", SURVIVOR, "person", sid, reply_address=SURVIVOR)
    for _ in range(2):  # e.g. the primary webhook stored it and the fallback spooled it too
        built.spool.add(message, built.clock(), EMERGENCY_TEXT_EN)
    assert sweep(app)["spooled"] == 1  # one replay job for both entries
    assert built.spool.size() == 0
    assert count(built, Message) == 2  # the one message and its reply
    assert len(cases(built)) == 1


def test_the_replay_does_not_move_the_flow_past_a_reply_the_survivor_never_saw(
        app: Flask, built: Services, twilio: TwilioSigner, outage: Outage) -> None:
    with outage():
        twilio.sms("person")
    sweep(app)
    # "1" would answer "is it safe to text now?", which they were never asked.
    text = reply_text(twilio.sms("1"))
    assert text is not None
    assert text == reply_text(twilio.sms("hello", sender="+447700900456"))  # the welcome


def test_a_message_that_could_not_be_stored_is_kept_until_the_database_takes_it(
        app: Flask, built: Services, twilio: TwilioSigner, outage: Outage) -> None:
    with outage():
        twilio.sms("person")
        assert sweep_while_down(app) == 1  # the sweeper tried, and kept it
    assert built.spool.size() == 1
    sweep(app)
    assert built.spool.size() == 0
    assert len(cases(built)) == 1


def sweep_while_down(app: Flask) -> int:
    with app.app_context():
        counts = spool.replay(services().spool, services().conversations)
    return counts["failed"]


def test_a_web_chat_message_during_an_outage_is_replayed_into_its_conversation(
        app: Flask, built: Services, client: FlaskClient, outage: Outage) -> None:
    token = start(client)
    with outage():
        response = send(client, token, "person", language="pl")
        assert response.status_code == 503
        assert "999" in response.get_json()["message"]
    sweep(app)
    assert cases(built) == [(1, ["asked_for_person"], "open")]
    assert transcript(built)[0] == ("in", "survivor", "person")
    # The page kept its token: the survivor's next message joins the same conversation.
    assert send(client, token, "hello").status_code == 200
    assert count(built, Conversation) == 1


def test_a_late_replay_leaves_a_conversation_that_moved_on_as_it_is(
        app: Flask, built: Services, twilio: TwilioSigner, clock: MovableClock,
        outage: Outage) -> None:
    clock.set(TUESDAY_10AM)
    twilio.sms("hello")
    clock.set(TUESDAY_10AM.replace(minute=5))
    with outage():
        twilio.sms("person")
    clock.set(TUESDAY_10AM.replace(minute=20))
    twilio.sms("0")  # back to the menu, once the database is back and before the sweep
    with built.database.session() as session:
        before = session.scalars(select(Conversation)).one()
    sweep(app)
    with built.database.session() as session:
        after = session.scalars(select(Conversation)).one()
    assert after.last_activity_at == before.last_activity_at
    assert after.state_sealed == before.state_sealed
    assert cases(built) == [(1, ["asked_for_person"], "open")]
    # Stored at the time it came, between the two it came between.
    assert [body for way, _a, body in transcript(built) if way == "in"] == [
        "hello", "person", "0"]
