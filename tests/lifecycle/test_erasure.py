"""Erasure: the survivor's conversation is destroyed at once and Twilio is asked to forget it.

docs/threat-model.md, A4: after erasure the canary text and number are found in clear nowhere
(the SQLite file after a checkpoint, Redis, the logs), the fake Twilio received a DELETE for
every provider message, and the advocate sees "closed by the survivor", nothing more.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.services import services
from app.storage.models import (
    Conversation,
    Escalation,
    Message,
    OptOut,
    ProviderDeletion,
    Reply,
    ResumeWord,
)
from app.worker import sweeper
from tests.conftest import MovableClock
from tests.support.canary import Canary, logged, redis_contents
from tests.support.cases import claim, latest_case, send_reply
from tests.support.fake_twilio import FakeTwilio
from tests.support.servers import RedisServer
from tests.support.twilio_signing import SERVICE_NUMBER, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
ERASED = Canary(
    text="Heliotrope canyon 4471 he hid my passport in the loft",
    reply="Cardamom otter 8810 here, text back whenever it suits you.",
    number="+447700900771",
)


def from_survivor(twilio: TwilioSigner, fake: FakeTwilio, body: str) -> str:
    """An SMS from the canary's number, also kept at the fake Twilio as Twilio keeps it."""
    params = twilio.sms_params(body, sender=ERASED.number)
    fake.add_inbound(params["MessageSid"], ERASED.number, SERVICE_NUMBER, body)
    return twilio.post("/webhooks/twilio/sms", params).get_data(as_text=True)


def count(app: Flask, model: type) -> int:
    with app.app_context(), services().database.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def erased_case(app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
                fake_twilio: FakeTwilio, clock: MovableClock) -> int:
    """A survivor wrote, asked for a person, set a resume word, got an advocate's reply,
    then erased the conversation."""
    clock.set(datetime.now(UTC))  # the fake Twilio dates messages by the real clock
    from_survivor(twilio, fake_twilio, ERASED.text)
    from_survivor(twilio, fake_twilio, "person")
    case_id = latest_case(twilio)
    claim(advocate, case_id)
    send_reply(advocate, case_id, ERASED.reply)
    assert fake_twilio.count(to=ERASED.number) == 1
    from_survivor(twilio, fake_twilio, "delete")
    reply = from_survivor(twilio, fake_twilio, "1")
    assert "This conversation will be deleted" in reply
    return case_id


def test_erasure_leaves_no_conversation_message_or_reply(app: Flask, erased_case: int) -> None:
    assert count(app, Conversation) == 0
    assert count(app, Message) == 0
    assert count(app, Reply) == 0


def test_the_case_stays_closed_by_the_survivor_with_nothing_else(
        app: Flask, advocate: FlaskClient, erased_case: int) -> None:
    with app.app_context(), services().database.session() as session:
        case = session.get(Escalation, erased_case)
        assert case is not None
        assert (case.status, case.closed_reason, case.conversation_id) == (
            "closed", "closed_by_survivor", None)
        assert case.safe_window_sealed is None
        # The triage's reasons come from the survivor's words: none outlive them.
        assert case.reasons == []
    page = advocate.get(f"/advocates/cases/{erased_case}")
    assert page.status_code == 410
    assert "closed by the survivor" in page.get_data(as_text=True)
    assert advocate.get("/advocates/queue.json").get_json()["cases"] == []


def test_twilio_is_asked_to_delete_every_message_of_the_conversation(
        app: Flask, erased_case: int, fake_twilio: FakeTwilio) -> None:
    kept = [m.sid for m in fake_twilio.messages if ERASED.number in (m.to, m.from_)]
    assert len(kept) == 5  # four from the survivor (the erasing "1" too) and the reply
    assert sorted(fake_twilio.deleted) == sorted(kept)
    with app.app_context(), services().database.session() as session:
        assert {d.status for d in session.scalars(select(ProviderDeletion))} == {"done"}


@pytest.mark.databases("sqlite")  # reads the SQLite file; PostgreSQL: test_postgres.py
def test_no_canary_is_left_in_the_database_file_redis_or_the_logs(
        app: Flask, erased_case: int, database_path: Path, redis_server: RedisServer,
        caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    with app.app_context(), services().database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    for path in database_path.parent.glob(database_path.name + "*"):
        ERASED.assert_absent(path.read_bytes(), path.name)
    store = redis.Redis.from_url(redis_server.url)
    try:
        ERASED.assert_absent(redis_contents(store), "Redis")
    finally:
        store.close()
    ERASED.assert_absent(logged(caplog, capfd), "the logs")


def test_contact_level_safety_records_outlive_the_erasure(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio) -> None:
    from_survivor(twilio, fake_twilio, "my word")
    from_survivor(twilio, fake_twilio, "Lavender-Kettle")
    from_survivor(twilio, fake_twilio, "STOP")
    from_survivor(twilio, fake_twilio, "START")
    from_survivor(twilio, fake_twilio, "STOP")
    assert count(app, OptOut) == 1
    # Opted out: the flow does not run, so erasing by SMS waits for START; the web chat and
    # retention are the other ways. Here START, then erase.
    from_survivor(twilio, fake_twilio, "START")
    from_survivor(twilio, fake_twilio, "delete")
    from_survivor(twilio, fake_twilio, "1")
    assert count(app, Conversation) == 0
    assert count(app, ResumeWord) == 1  # a keyed hash only; it still protects the number


def test_a_retried_erasing_message_gets_the_same_answer_and_stores_nothing(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio) -> None:
    from_survivor(twilio, fake_twilio, "hello")
    from_survivor(twilio, fake_twilio, "delete")
    params = twilio.sms_params("1", sender=ERASED.number)
    first = twilio.post("/webhooks/twilio/sms", params).get_data(as_text=True)
    retry = twilio.post("/webhooks/twilio/sms", params).get_data(as_text=True)
    assert "This conversation will be deleted" in first
    assert "This conversation will be deleted" in retry
    assert count(app, Conversation) == 0
    assert count(app, Message) == 0


def test_a_message_twilio_will_not_delete_yet_is_blanked_then_deleted_later(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        clock: MovableClock) -> None:
    clock.set(datetime.now(UTC))
    from_survivor(twilio, fake_twilio, ERASED.text)
    fake_twilio.refuse_delete_next(400, 20009, times=3)
    from_survivor(twilio, fake_twilio, "delete")
    from_survivor(twilio, fake_twilio, "1")
    with app.app_context(), services().database.session() as session:
        states = {(d.status, d.redacted) for d in session.scalars(select(ProviderDeletion))}
    assert ("pending", True) in states
    assert fake_twilio.redacted  # blanked at once, while the DELETE waits
    assert all(fake_twilio.body_of(sid) == "" for sid in fake_twilio.redacted)
    for _ in range(3):
        clock.advance(timedelta(minutes=10))
        with app.app_context():
            sweeper.sweep()
    with app.app_context(), services().database.session() as session:
        assert {d.status for d in session.scalars(select(ProviderDeletion))} == {"done"}
    assert all(m.sid in fake_twilio.deleted for m in fake_twilio.messages
               if ERASED.number in (m.to, m.from_))


def test_the_web_chat_erases_the_same_way_and_the_next_message_starts_afresh(
        app: Flask) -> None:
    survivor = app.test_client()
    token = survivor.post("/chat/start").get_json()["token"]

    def say(text: str, n: int) -> dict[str, object]:
        answer: dict[str, object] = survivor.post(
            "/chat/send", json={"token": token, "id": f"{n:032x}", "text": text}).get_json()
        return answer

    say(ERASED.text, 1)
    say("delete", 2)
    assert "will be deleted" in str(say("1", 3)["replies"])
    assert count(app, Conversation) == 0
    assert count(app, ProviderDeletion) == 0  # nothing of the web chat is at Twilio
    say("hello", 4)
    assert count(app, Conversation) == 1


@pytest.mark.databases("sqlite")  # reads the SQLite file; PostgreSQL: test_postgres.py
def test_the_conversations_data_key_is_gone_from_the_database_file(
        app: Flask, twilio: TwilioSigner, fake_twilio: FakeTwilio, database_path: Path) -> None:
    """Crypto-shredding: with the wrapped data key overwritten, nothing sealed under it can be
    opened again, even by someone holding the service's keyring and an old WAL page."""
    from_survivor(twilio, fake_twilio, ERASED.text)
    with app.app_context(), services().database.session() as session:
        wrapped = session.scalars(select(Conversation.wrapped_key)).one()
        sealed = list(session.scalars(select(Message.body_sealed)))
    from_survivor(twilio, fake_twilio, "delete")
    from_survivor(twilio, fake_twilio, "1")
    with app.app_context(), services().database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    for path in database_path.parent.glob(database_path.name + "*"):
        raw = path.read_bytes()
        assert wrapped not in raw, f"the wrapped data key is still in {path.name}"
        assert not any(blob in raw for blob in sealed), f"a sealed body is still in {path.name}"
