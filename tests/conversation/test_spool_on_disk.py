"""With the database and Redis failing at once, a message the fail-safe answered waits sealed in
the host's spool folder and is stored when both are back (issue 22: the soak lost a message
when SQLite's write lock timed out while Redis was being restarted; docs/threat-model.md, A5).

The database failure is real (another connection holds SQLite's write lock); Redis refuses the
spool's write, as a Redis being restarted does.
"""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from flask import Flask

from app.content.failsafe import EMERGENCY_TEXT_EN
from app.conversation.service import InboundMessage
from app.services import Services
from app.storage.models import Message
from app.worker import sweeper
from tests.conftest import MovableClock
from tests.conversation.test_spool import TUESDAY_10AM, brief_lock_waits, cases, transcript
from tests.support.sms import count, reply_text
from tests.support.twilio_signing import SURVIVOR, TwilioSigner, new_sid

pytestmark = pytest.mark.usefixtures("fake_twilio", "inline_jobs")


@contextmanager
def database_locked(built: Services, database_path: Path) -> Iterator[None]:
    """Every write waits for SQLite's lock and fails, as in the soak; reads still work."""
    holder = sqlite3.connect(database_path, timeout=0, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with brief_lock_waits(built.database.engine):
            yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def waiting_files(built: Services) -> list[Path]:
    return sorted((built.settings.instance_path / "spool").glob("*.entry"))


def sweep(app: Flask) -> dict[str, int]:
    with app.app_context():
        return sweeper.sweep()


def test_a_message_answered_with_the_database_and_redis_down_is_stored_when_they_are_back(
        app: Flask, built: Services, twilio: TwilioSigner, clock: MovableClock,
        database_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock.set(TUESDAY_10AM)
    with monkeypatch.context() as patch:
        patch.setattr(built.spool.redis, "xadd", _refused)
        with database_locked(built, database_path):
            assert reply_text(twilio.sms("person")) == EMERGENCY_TEXT_EN
    assert count(built, Message) == 0  # the database failure was real
    assert built.spool.size() == 0  # and Redis took nothing
    (waiting,) = waiting_files(built)
    assert stat.S_IMODE(waiting.stat().st_mode) == 0o600
    assert stat.S_IMODE(waiting.parent.stat().st_mode) == 0o700
    raw = waiting.read_bytes()
    assert b"person" not in raw  # sealed, as in Redis
    assert SURVIVOR[1:].encode() not in raw

    assert sweep(app)["spooled"] == 1
    assert waiting_files(built) == []
    assert built.spool.size() == 0
    assert transcript(built) == [("in", "survivor", "person"), ("out", "flow", EMERGENCY_TEXT_EN)]
    assert cases(built) == [(1, ["asked_for_person"], "open")]
    assert sweep(app)["spooled"] == 0
    assert count(built, Message) == 2


def test_the_next_failsafe_that_reaches_redis_moves_the_waiting_files_to_the_stream(
        built: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """A web host with no worker of its own still hands its files on."""
    first = InboundMessage("sms", SURVIVOR, "person", new_sid(), reply_address=SURVIVOR)
    second = InboundMessage("sms", SURVIVOR, "hello", new_sid(), reply_address=SURVIVOR)
    with monkeypatch.context() as patch:
        patch.setattr(built.spool.redis, "xadd", _refused)
        assert built.spool.add(first, built.clock(), EMERGENCY_TEXT_EN)
    assert len(waiting_files(built)) == 1
    assert built.spool.add(second, built.clock(), EMERGENCY_TEXT_EN)
    assert waiting_files(built) == []
    opened = [message for _, message in built.spool.pending()]
    assert {m.inbound.provider_sid for m in opened if m} == {first.provider_sid,
                                                             second.provider_sid}


def test_without_a_spool_folder_redis_down_still_raises_for_the_failsafe_to_log(
        built: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(built.spool, "folder", None)
    monkeypatch.setattr(built.spool.redis, "xadd", _refused)
    message = InboundMessage("sms", SURVIVOR, "person", new_sid(), reply_address=SURVIVOR)
    with pytest.raises(redis.ConnectionError):
        built.spool.add(message, built.clock(), EMERGENCY_TEXT_EN)


def _refused(*_args: object, **_kwargs: object) -> None:
    raise redis.ConnectionError("Error 111 connecting to 127.0.0.1. Connection refused.")
