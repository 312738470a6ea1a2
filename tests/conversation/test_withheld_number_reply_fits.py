"""A text with a phone number typed in it, answered out of hours in a language whose reply is
long: the reply, with the line saying the number was not kept, fits the budget `flows check`
holds it to (flows/outbound.yaml: 'person, out of hours' and `withheld_extra`). The line made
the Polish reply 9 UCS-2 segments and the Welsh one 11 (its circumflex made the whole SMS
UCS-2) against 8, and the check did not measure it."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.content.lint import SegmentBudgets
from app.content.segments import encoding_of
from app.conversation.typed_numbers import NOT_KEPT
from app.flows.loader import read_yaml
from app.services import Services
from tests.conftest import MovableClock
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.usefixtures("fake_twilio", "inline_jobs")
ROOT = Path(__file__).resolve().parents[2]
SATURDAY = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # out of hours (Mon-Fri 09:00-17:00)
# The language menu's number for each, and asking for a person with a number in the words.
ASKED = {
    "pl": ("3", "chcę porozmawiać z kimś, mój numer to 07700 900321"),
    "cy": ("2", "hoffwn siarad gyda rhywun, fy rhif i yw 07700 900321"),
    "ro": ("7", "vreau să vorbesc cu cineva, numărul meu este 07700 900321"),
}


def budget(encoding: str) -> int:
    budgets = SegmentBudgets.load(read_yaml(ROOT / "flows" / "outbound.yaml")[
        "segment_budgets"], 8)
    return budgets.limit("person, out of hours", encoding) + budgets.withheld_extra


def message(response_body: str) -> str:
    found = re.search(r"<Message>(.*)</Message>", response_body, re.DOTALL)
    assert found is not None, response_body
    return html.unescape(found.group(1))


@pytest.mark.parametrize("language", sorted(ASKED))
def test_a_person_asked_for_out_of_hours_with_a_typed_number_fits_its_budget(
        built: Services, twilio: TwilioSigner, clock: MovableClock, language: str) -> None:
    clock.set(SATURDAY)
    choice, asked = ASKED[language]
    for body in ("hello", "9", choice):
        twilio.sms(body)

    reply = message(twilio.sms(asked).get_data(as_text=True))

    render = built.conversations.render
    assert reply.endswith(render(language, (NOT_KEPT,))), reply
    assert render(language, ("person.requested",)) in reply, reply
    assert "900321" not in reply
    sent = encoding_of(reply)
    assert sent.segments <= budget(sent.name), (sent, reply)
