"""Key rotation: every data key re-wrapped under the newest key, resumable, nothing lost."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from app.cli import keys_cli
from app.config import load_settings
from app.crypto import Keyring, generate_key_token
from app.lifecycle import rotation
from app.services import services
from app.storage import transcripts
from app.storage.models import Advocate, Conversation
from tests.support import staff
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import TwilioSigner

TEXTS = [f"message number {n} from survivor {n}" for n in range(5)]


@contextmanager
def app_with_keys(environ: dict[str, str], keys: str) -> Iterator[Flask]:
    flask_app = create_app(load_settings({**environ, "QUIETLINE_DATA_KEYS": keys}))
    try:
        yield flask_app
    finally:
        with flask_app.app_context():
            services().close()


def wrapping_key_ids(app: Flask) -> set[str]:
    with app.app_context(), services().database.session() as session:
        blobs = list(session.scalars(select(Conversation.wrapped_key)))
        blobs += list(session.scalars(select(Advocate.wrapped_key)))
    return {Keyring.wrapped_key_id(blob) for blob in blobs}


def all_texts(app: Flask) -> list[str]:
    with app.app_context(), services().database.transaction() as connection:
        ids = list(connection.execute(select(Conversation.id)).scalars())
        return sorted(m.body for cid in ids
                      for m in transcripts.transcript(connection, services().keyring, cid)
                      if m.direction == "in")


@pytest.fixture
def old_key(environ: dict[str, str], app: Flask, twilio: TwilioSigner) -> str:
    """Five conversations and an advocate, all under the test's first key."""
    for n, text in enumerate(TEXTS):
        twilio.sms(text, sender=f"+4477009001{n:02d}")
    make_advocate(app, "a@example.org")
    return environ["QUIETLINE_DATA_KEYS"]


def test_rotation_rewraps_everything_and_the_old_key_can_then_go(
        environ: dict[str, str], old_key: str) -> None:
    new_key = generate_key_token()
    with app_with_keys(environ, f"{new_key},{old_key}") as both:
        result = both.test_cli_runner().invoke(keys_cli, ["rotate"])
        assert result.exit_code == 0, result.output
        assert "6 data keys re-wrapped" in result.output
        assert wrapping_key_ids(both) == {Keyring([new_key]).newest_id}
    with app_with_keys(environ, new_key) as only_new:
        assert all_texts(only_new) == sorted(TEXTS)
        # The advocate's second factor was re-wrapped too: they can still sign in.
        with only_new.app_context():
            member = services().accounts.find("a@example.org")
            assert member is not None
            secret = services().accounts.totp_secret(member.id)
        advocate = staff.TestAdvocate(member.id, member.email, member.role, secret)
        assert sign_in(only_new.test_client(), advocate).status_code == 302


def test_an_interrupted_rotation_completes_when_run_again(
        environ: dict[str, str], old_key: str) -> None:
    new_key = generate_key_token()
    with app_with_keys(environ, f"{new_key},{old_key}") as both:
        with both.app_context():
            built = services()

            def stop_after_first_batch(_n: int) -> None:
                raise KeyboardInterrupt

            with pytest.raises(KeyboardInterrupt):
                rotation.rotate(built.database, built.keyring, batch=2,
                                progress=stop_after_first_batch)
        assert len(wrapping_key_ids(both)) == 2  # half done: both keys in use
        assert all_texts(both) == sorted(TEXTS)  # and everything still opens
        again = both.test_cli_runner().invoke(keys_cli, ["rotate", "--batch", "2"])
        assert again.exit_code == 0, again.output
        assert "4 data keys re-wrapped" in again.output  # the 2 done before are skipped
        assert "2 already were" in again.output
        assert wrapping_key_ids(both) == {Keyring([new_key]).newest_id}
    with app_with_keys(environ, new_key) as only_new:
        assert all_texts(only_new) == sorted(TEXTS)


def test_rotating_twice_changes_nothing_the_second_time(
        environ: dict[str, str], old_key: str) -> None:
    with app_with_keys(environ, old_key) as same:
        result = same.test_cli_runner().invoke(keys_cli, ["rotate"])
        assert result.exit_code == 0, result.output
        assert "0 data keys re-wrapped" in result.output
        assert "6 already were" in result.output
