"""Two in-doubt replies reconciled at the same instant never take one message between them.

Two replies with the same words to one survivor are both left in doubt (Twilio answered 500),
and Twilio has one message with those words. Reconciled by two workers at once, each found that
message and saw no row recording it, and both recorded it: one survivor reply marked sent was
never sent (issue 22's soak findings, PostgreSQL). Now a row claims a found message with a
claim row whose primary key is the message id, so the second claimer waits for the first, sees
the message recorded and sends its own. Real SDK, real HTTP, the fake Twilio; both databases.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.outbound.exactly_once import Delivery
from app.services import services
from app.storage.models import ProviderSidClaim
from app.worker import jobs
from tests.conftest import MovableClock
from tests.support.cases import claim, open_case, reply_rows, send_reply
from tests.support.fake_twilio import FakeTwilio
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs"),
              pytest.mark.databases("sqlite", "postgresql")]
SAME_TEXT = "Are you safe to talk?"


def test_two_in_doubt_replies_reconciled_at_once_do_not_share_one_message(
        app: Flask, advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
        clock: MovableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    clock.set(datetime.now(UTC))  # the fake Twilio dates messages by the real clock
    case_id = open_case(twilio)
    claim(advocate, case_id)
    fake_twilio.fail_next(500, times=2)
    assert send_reply(advocate, case_id, SAME_TEXT).status_code == 302
    assert send_reply(advocate, case_id, SAME_TEXT).status_code == 302
    first, second = sorted(reply_rows(app), key=lambda row: row.id)
    assert (first.status, second.status) == ("sending", "sending")
    # As if Twilio had created one of them before its 500.
    with app.app_context():
        reached = services().sender().send(SURVIVOR, SAME_TEXT)
    clock.advance(timedelta(minutes=2))  # past the back-off: both are due again

    # Each worker has looked at Twilio and found the message before either records anything.
    both_found = threading.Barrier(2, timeout=30)
    find_own = Delivery._find_own

    def found_then_wait(self: Delivery, *args: Any, **kwargs: Any) -> Any:
        found = find_own(self, *args, **kwargs)
        both_found.wait()
        return found

    monkeypatch.setattr(Delivery, "_find_own", found_then_wait)

    def in_app(reply_id: int) -> Callable[[], str]:
        def run() -> str:
            with app.app_context():
                return jobs.send_reply(reply_id)
        return run

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = [pool.submit(in_app(row.id)) for row in (first, second)]
        assert sorted(result.result(timeout=60) for result in results) == ["sent", "sent"]

    first, second = sorted(reply_rows(app), key=lambda row: row.id)
    assert (first.status, second.status) == ("sent", "sent")
    assert first.provider_sid != second.provider_sid
    assert reached in {first.provider_sid, second.provider_sid}
    # The other one was sent now: two messages at Twilio, one for each row.
    assert fake_twilio.count(to=SURVIVOR, body=SAME_TEXT) == 2
    assert {first.provider_sid, second.provider_sid} == {
        m.sid for m in fake_twilio.messages if m.to == SURVIVOR and m.body == SAME_TEXT}
    with app.app_context(), services().database.session() as session:
        assert session.scalar(select(func.count()).select_from(ProviderSidClaim)) == 0
