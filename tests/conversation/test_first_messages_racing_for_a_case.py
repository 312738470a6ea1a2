"""Several first messages from one number at once, each asking for a person (issue 22's
memory bench saw the fail-safe answer some): each is stored once and gets the flow's reply,
and the number has one conversation and one case.

Two races meet here: the messages race to open the conversation (a unique index lets one
win), then, on their retry, to open its case (a partial unique index lets one win). Each
lost race is retried with a fresh read; with two attempts in all, a message that lost both
fell through to the fail-safe."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.conversation.service import InboundMessage
from app.services import Services
from app.storage.models import Conversation, Escalation, Message
from tests.support.twilio_signing import new_sid

pytestmark = pytest.mark.databases("sqlite", "postgresql")
ROUNDS = 12  # lost both races in about 1 round of 4 on the old code
# The first to win the conversation opens no case, so the others race again for the case.
ASKS = ("hello", "person", "talk to someone", "is there someone I could talk to")


def test_racing_requests_for_a_person_from_one_number_are_all_answered(
        built: Services) -> None:
    failures: list[str] = []
    for number in range(ROUNDS):
        sender = f"+4477009005{number:02d}"
        barrier = threading.Barrier(len(ASKS))

        def ask(body: str, sender: str = sender, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                built.conversations.handle_inbound(
                    InboundMessage("sms", sender, body, new_sid(), reply_address=sender))
            except Exception as error:  # noqa: BLE001 -- the webhook would send the fail-safe
                failures.append(type(error).__name__)

        threads = [threading.Thread(target=ask, args=(body,)) for body in ASKS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert failures == []
    with built.database.transaction() as connection:
        conversations = connection.execute(select(func.count()).select_from(Conversation)).scalar()
        cases = connection.execute(select(func.count()).select_from(Escalation)).scalar()
        inbound = connection.execute(select(func.count()).select_from(Message)
                                     .where(Message.direction == "in")).scalar()
    assert (conversations, cases, inbound) == (ROUNDS, ROUNDS, ROUNDS * len(ASKS))
