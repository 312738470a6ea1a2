"""The logs say the service is healthy, not what a survivor did.

docs/deploy.md, "Logs": a log is kept apart from the database, outlives an erasure and is read by
operators who may never read a case. A line naming the flow's step (`step=disclosure`,
`step=cover` after the duress word) or tying a survivor's actions to their conversation id says
what they did and, after the erasure, stays linked to it. So the webhook logs that it answered,
and the events a survivor causes carry no conversation id.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from app.services import services
from app.storage.models import Conversation
from tests.conftest import MovableClock
from tests.support.canary import logged
from tests.support.twilio_signing import TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs")]
SURVIVOR = "+447700900781"
COVERED = "+447700900782"


def test_no_log_line_names_a_step_or_the_conversation_of_a_survivors_actions(
        app: Flask, twilio: TwilioSigner, clock: MovableClock,
        caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level("INFO")
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    twilio.sms("bluebell", sender=COVERED)  # the duress word: the cover step
    twilio.sms("he hits me and I am scared", sender=SURVIVOR)
    with app.app_context(), services().database.session() as session:
        ids = [str(found) for found in session.scalars(select(Conversation.id))]
    assert len(ids) == 2
    for body in ("my word", "Lavender-Kettle", "person", "delete", "1"):
        twilio.sms(body, sender=SURVIVOR)
    text = logged(caplog, capfd).decode()
    assert "event=sms.inbound" in text  # the webhook's health is still there
    assert "event=resume_word.set" in text
    assert "event=conversation.erased" in text
    assert "step=" not in text
    for conversation_id in ids:
        assert conversation_id not in text
        assert conversation_id.replace("-", "") not in text
