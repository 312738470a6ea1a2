"""The fail-safe's language guess travels with a spooled message (issue 22, item 6): the web
process that answered it holds the detector, so the RQ worker that replays it later needs
none, and never loads one (about 170 MiB for the accurate models, bench/memory.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from app.conversation.messages import Guessed, InboundMessage
from app.services import Services
from app.storage.models import Conversation
from tests.support.workers import APP_PROCESS_SECONDS

ROOT = Path(__file__).resolve().parents[2]
SURVIVOR = "+447700900123"
POLISH = "Dzień dobry, potrzebuję pomocy, mój mąż mnie bije i boję się"
ARRIVED = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
# The worker's replay, in a fresh interpreter built as `python worker.py` builds it.
REPLAY = """
import json, sys
from app import create_app
from app.conversation import spool
from app.services import services
app = create_app()
with app.app_context():
    counts = spool.replay(services().spool, services().conversations)
print(json.dumps({"counts": counts,
                  "loaded": [m for m in ("lingua", "fasttext") if m in sys.modules]}))
"""


def sms(body: str) -> InboundMessage:
    return InboundMessage("sms", SURVIVOR, body, "SM" + "1" * 32, reply_address=SURVIVOR)


def test_the_failsafe_hands_the_spool_its_language_guess(built: Services) -> None:
    spooled: list[InboundMessage] = []

    def spool(inbound: InboundMessage, _when: datetime, _text: str) -> bool:
        spooled.append(inbound)
        return True

    built.failsafe.spool = spool
    built.failsafe.answer(sms(POLISH))
    built.failsafe.answer(sms("ok"))  # too short to say anything: guessed as unclear
    assert [message.guessed for message in spooled] == [Guessed("pl"), Guessed(None)]


def test_a_spooled_entry_keeps_the_guess_and_an_older_entry_has_none(built: Services) -> None:
    built.spool.add(replace(sms(POLISH), guessed=Guessed("pl")), ARRIVED, "sorry")
    built.spool.add(sms("unclear"), ARRIVED, "sorry")  # as an entry written before this change
    opened = [message for _id, message in built.spool.pending()]
    assert [m.inbound.guessed if m else "unreadable" for m in opened] == [Guessed("pl"), None]


def test_the_worker_replays_a_spooled_message_without_loading_a_detector(
        app: Flask, built: Services, environ: dict[str, str]) -> None:
    with app.app_context():
        built.failsafe.answer(sms(POLISH))  # as the webhook does when the database fails
    assert built.spool.size() == 1
    result = subprocess.run([sys.executable, "-c", REPLAY], cwd=ROOT, env={**os.environ, **environ},
                            check=True, capture_output=True, text=True,
                            timeout=APP_PROCESS_SECONDS)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["counts"]["stored"] == 1
    assert report["loaded"] == []
    with built.database.session() as session:
        # The conversation starts in the language the fail-safe guessed.
        assert session.scalars(select(Conversation.language)).all() == ["pl"]
