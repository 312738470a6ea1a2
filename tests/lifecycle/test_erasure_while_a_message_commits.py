"""A message committed while an erasure runs has its Twilio copy queued for deletion too
(found by the soak helper reading the code: the erasure read the provider ids, then deleted
the conversation, whose delete cascades; a message committed in between went with it while
its copy at Twilio, with the survivor's words and number, was never queued).

Another request holds an uncommitted message for the conversation; the erasure starts, and
once it waits for that request, the request commits. Now the erasure holds the conversation
before reading what it has (app/lifecycle/erasure.py `_hold`), so it waits first and then
sees the message."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import select, text

from app.lifecycle import erasure
from app.services import Services
from app.storage import vault, writer_turns
from app.storage.models import ProviderDeletion
from tests.conftest import MovableClock
from tests.conversation.test_spool import TUESDAY_10AM
from tests.support.servers import wait_for
from tests.support.twilio_signing import SURVIVOR, TwilioSigner, new_sid

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]


def test_a_message_committed_during_the_erasure_has_its_copy_deleted(
        built: Services, twilio: TwilioSigner, clock: MovableClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock.set(TUESDAY_10AM)
    twilio.sms("hello")
    database = built.database
    with database.transaction() as connection:
        lookup = vault.find_open(connection, built.keyring, channel="sms",
                                 contact_hash=built.conversations.contact_hash("sms", SURVIVOR))
    conversation = lookup.conversation
    assert conversation is not None
    late = new_sid()

    # Another request has written the survivor's next message and not committed yet.
    other = database.engine.connect()
    pending = other.begin()
    vault.add_messages(other, conversation, [vault.NewMessage(
        "in", "survivor", "one more thing", late, uuid.uuid4())], clock())

    # SQLite: the erasure waits for its writer's turn; PostgreSQL: for a row lock.
    waiting = threading.Event()
    take = writer_turns._take_turn

    def take_turn(path: str) -> Any:
        waiting.set()
        return take(path)

    monkeypatch.setattr(writer_turns, "_take_turn", take_turn)
    queued: list[int] = []

    postgresql = database.engine.dialect.name == "postgresql"
    eraser_pid: list[int] = []

    def erase() -> None:
        with database.transaction() as connection:
            if postgresql:
                eraser_pid.append(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
            queued.extend(erasure.erase(connection, conversation.id, also=None, now=clock()))

    def eraser_waits_on_a_lock() -> bool:
        # A fresh connection each time: PostgreSQL keeps one snapshot of pg_stat_activity for a
        # whole transaction, so polling inside one would never see the wait begin.
        if not eraser_pid:
            return False
        with database.engine.connect() as watcher:
            return watcher.execute(text(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": eraser_pid[0]}).scalar() == "Lock"

    eraser = threading.Thread(target=erase)
    eraser.start()
    if postgresql:
        wait_for(eraser_waits_on_a_lock, timeout=30,
                 what="the erasure to wait for the other request")
    else:
        wait_for(waiting.is_set, timeout=30, what="the erasure to wait for its turn")
    pending.commit()
    other.close()
    eraser.join(timeout=30)
    assert not eraser.is_alive()
    with database.transaction() as connection:
        deletions = set(connection.execute(select(ProviderDeletion.provider_sid)).scalars())
    assert late in deletions, "the copy of the message committed meanwhile was not queued"
