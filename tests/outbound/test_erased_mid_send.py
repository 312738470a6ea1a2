"""A reply erased while its message is on its way to Twilio leaves no copy there.

The erasure queues the provider's copy of every message it knows the SID of
(app/lifecycle/erasure.py). A reply being sent at that moment has no SID yet: Twilio creates it,
the worker hears back after the conversation (and the reply's row) is gone. The worker must then
queue that copy for deletion itself (app/outbound/exactly_once.py), or the advocate's words and
the survivor's number stay at Twilio after the survivor asked for everything to go
(docs/threat-model.md, A4). Real SDK and HTTP, the fake Twilio holding the create's answer.
"""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.services import services
from app.storage.models import ProviderDeletion
from app.worker import jobs
from tests.support.cases import claim, open_case, reply_rows, send_reply
from tests.support.fake_twilio import FakeTwilio
from tests.support.servers import wait_for
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

# The fake first: the app reads its address when it is made.
pytestmark = [pytest.mark.usefixtures("fake_twilio"), pytest.mark.databases("sqlite", "postgresql")]
REPLY = "Hello, this is Sam. I can talk now if you can."


def test_a_reply_erased_while_its_message_is_on_its_way_has_its_copy_deleted_too(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner,
        fake_twilio: FakeTwilio) -> None:
    case_id = open_case(twilio)
    claim(advocate, case_id)
    assert send_reply(advocate, case_id, REPLY).status_code == 302
    (row,) = reply_rows(app)
    assert row.status == "queued"  # its job waits in Redis: no worker runs here
    fake_twilio.hold_next()  # Twilio creates the message; the worker hears back later
    outcome: dict[str, str] = {}

    def worker() -> None:
        with app.app_context():
            outcome["status"] = services().reply_delivery.send(row.id)

    sending = threading.Thread(target=worker)
    sending.start()
    try:
        wait_for(lambda: fake_twilio.count(to=SURVIVOR, body=REPLY) == 1 or bool(outcome), 20,
                 "the create")
        assert not outcome  # still waiting for Twilio's answer
        twilio.sms("delete")
        assert "deleted" in twilio.sms("1").get_data(as_text=True)
        assert reply_rows(app) == []  # erased with the conversation, SID unknown
    finally:
        fake_twilio.release()
        sending.join(timeout=30)
    assert outcome["status"] == "sent"

    (message,) = [m for m in fake_twilio.messages if m.to == SURVIVOR and m.body == REPLY]
    with app.app_context(), services().database.session() as session:
        (deletion,) = session.scalars(select(ProviderDeletion).where(
            ProviderDeletion.provider_sid == message.sid))
        assert deletion.status == "pending"
        deletion_id = deletion.id
    with app.app_context():
        assert jobs.delete_provider_copy(deletion_id) == "done"
    assert message.sid in fake_twilio.deleted
