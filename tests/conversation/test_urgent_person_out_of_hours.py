"""An urgent request for a person out of hours reads as one message, in order (issue 21,
item 4): the emergency options, the on-call line, when the team reads it, and the step's
question last. The person step's acknowledgement ("someone will reply here when they can")
is left out: the on-call and reading lines say, truly for the night, when someone will.
Before, the acknowledgement and the question sat between the numbers and "our team is not at
work", in 7-8 UCS-2 segments.

With the shipped flows an urgent message goes to the urgent step before any step of its own;
this reply is composed when a deployment's own keyword leads to the person step and triage
reads the same message as urgent, so the composition is asked of reply_text directly (and
`flows check` measures it in every language: app/content/lint.py COMPOSED_REPLIES)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.conversation.reply_text import with_out_of_hours
from app.services import Services

SATURDAY = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
PERSON_STEP = ("person.requested", "person.safe_now")


def test_the_step_question_comes_last_and_the_acknowledgement_goes(built: Services) -> None:
    composed = with_out_of_hours(built.conversations.deployment, SATURDAY, PERSON_STEP,
                                 urgent=True, urgent_step=False)
    assert composed[0] == "urgent.closed"
    assert composed[-1] == "person.safe_now"
    assert "person.requested" not in composed
    assert composed[1] in ("hours.on_call", "hours.off_duty")


def test_a_step_of_one_message_keeps_it_last(built: Services) -> None:
    composed = with_out_of_hours(built.conversations.deployment, SATURDAY,
                                 ("pause.confirmed",), urgent=True, urgent_step=False)
    assert composed[0] == "urgent.closed"
    assert composed[-1] == "pause.confirmed"


@pytest.mark.parametrize("language", ["en", "pl", "ar"])
def test_the_reply_reads_in_order_in_the_survivors_language(built: Services,
                                                            language: str) -> None:
    ids = with_out_of_hours(built.conversations.deployment, SATURDAY, PERSON_STEP,
                            urgent=True, urgent_step=False)
    reply = built.conversations.render(language, ids, SATURDAY)
    catalogues = built.catalogues
    numbers = reply.find("999")
    question = reply.find(catalogues.text(language, "person.safe_now").split("\n")[0])
    assert -1 not in (numbers, question), reply
    assert numbers < question, reply
    assert reply.rstrip().endswith(catalogues.text(language, "person.safe_now").rstrip()), reply
