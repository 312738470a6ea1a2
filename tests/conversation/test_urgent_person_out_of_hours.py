"""An urgent request for a person out of hours is the emergency options and what is true
tonight, and nothing more (issue 21, item 4): the emergency options, the on-call line, when the
team reads it. The person step's question is held back for the survivor's next reply that is
not an emergency one (app/conversation/held.py; through the webhook in
tests/conversation/test_emergency_replies_hold_back.py). Its acknowledgement ("someone will reply
here when they can") is left out: the on-call and reading lines say, truly for the night, when
someone will. A step that pauses keeps its promise that nothing is sent, instead of the
on-call and reading lines.

With the shipped flows an urgent message goes to the urgent step before any step of its own;
this reply is composed when a deployment's own keyword leads to the person step and triage
reads the same message as urgent, so the composition is asked of reply_text directly (and
`flows check` measures it in every language: app/content/one_turn.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.conversation.reply_text import with_hours
from app.services import Services

SATURDAY = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
PERSON_STEP = ("person.requested", "person.safe_now")


def test_the_step_question_is_held_back_and_the_acknowledgement_goes(built: Services) -> None:
    composed = with_hours(built.conversations.deployment, SATURDAY, PERSON_STEP,
                          urgent=True, urgent_step=False)
    assert composed.reply_ids[0] == "urgent.closed"
    assert composed.reply_ids[1] in ("hours.on_call", "hours.off_duty")
    assert composed.reply_ids[2] in ("hours.reads_from", "hours.reads_unknown")
    assert "person.safe_now" not in composed.reply_ids
    assert "person.requested" not in composed.reply_ids
    assert composed.held == ("person.safe_now",)


def test_a_step_that_pauses_keeps_its_promise_in_place_of_the_on_call_lines(
        built: Services) -> None:
    composed = with_hours(built.conversations.deployment, SATURDAY,
                          ("pause.confirmed",), urgent=True, urgent_step=False, pauses=True)
    assert composed.reply_ids == ("urgent.closed", "hours.off_duty", "pause.confirmed")
    assert composed.held == ()


def test_the_urgent_steps_own_reply_is_left_out_not_held(built: Services) -> None:
    composed = with_hours(built.conversations.deployment, SATURDAY, ("urgent.reply",),
                          urgent=True, urgent_step=True)
    assert composed.reply_ids[0] == "urgent.closed"
    assert composed.held == ()


@pytest.mark.parametrize("language", ["en", "pl", "ar"])
def test_the_reply_reads_in_order_in_the_survivors_language(built: Services,
                                                            language: str) -> None:
    ids = with_hours(built.conversations.deployment, SATURDAY, PERSON_STEP,
                     urgent=True, urgent_step=False).reply_ids
    reply = built.conversations.render(language, ids, SATURDAY)
    catalogues = built.catalogues
    numbers = reply.find("999")
    on_call = reply.find(catalogues.text(language, "hours.on_call")[:15])
    assert -1 not in (numbers, on_call), reply
    assert numbers < on_call, reply
    assert catalogues.text(language, "person.safe_now").split("\n")[0] not in reply
