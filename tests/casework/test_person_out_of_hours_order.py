"""Out of hours, asking for a person is answered as one message that reads in order (issue 21,
item 4): the acknowledgement, then when the team is back (and the numbers for now), and the
question "is it safe to talk?" last, as the thing the survivor is asked to answer. Before, the
question sat between "someone will reply here" and "our team is not at work"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.services import Services
from tests.conftest import MovableClock
from tests.support.twilio_signing import TwilioSigner

pytestmark = [pytest.mark.usefixtures("fake_twilio", "inline_jobs")]
SATURDAY = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
# A request for a person in the survivor's own words, per language (issue 21).
ASKS = {
    "en": "person",
    "pl": "Dzień dobry, potrzebuję pomocy, proszę",
    "ar": "مرحبا، أحتاج إلى مساعدة من فضلك",
}


@pytest.mark.parametrize("language", sorted(ASKS))
def test_the_out_of_hours_person_reply_reads_in_order(
        twilio: TwilioSigner, clock: MovableClock, built: Services, language: str) -> None:
    clock.set(SATURDAY)
    reply = twilio.sms(ASKS[language]).get_data(as_text=True)
    catalogues = built.catalogues
    acknowledged = reply.find(catalogues.text(language, "person.requested")[:25])
    closed = reply.find((catalogues.raw_text(language, "hours.closed") or "?")[:20])
    question = reply.find(catalogues.text(language, "person.safe_now").split("\n")[0])
    assert -1 not in (acknowledged, closed, question), reply
    assert acknowledged < closed < question, reply
    # Said once: the hours text no longer thanks them a second time.
    assert reply.count(catalogues.text(language, "person.requested").split(".")[0][:8]) == 1
