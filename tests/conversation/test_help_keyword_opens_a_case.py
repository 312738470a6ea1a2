"""HELP, the carrier keyword, is a plea for help: besides the provider's automatic reply (or
ours, where the provider does not answer it), it opens a case so a person reads it. Not
after STOP, and not in cover mode after the duress word."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask
from sqlalchemy import select

from app.services import Services
from app.storage.models import Escalation
from tests.support.sms import assert_emergency, reply_text
from tests.support.twilio_signing import TwilioSigner

# Storage-dependent: every test here runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.databases("sqlite", "postgresql")


def cases(built: Services) -> list[Escalation]:
    with built.database.session() as session:
        return list(session.scalars(select(Escalation)))


@pytest.mark.parametrize("word", ["HELP", "help", " Help ", "INFO"])
def test_help_opens_a_routine_case_and_leaves_the_reply_to_twilio(
        twilio: TwilioSigner, built: Services, word: str) -> None:
    assert reply_text(twilio.sms(word)) is None  # Twilio answers the keyword itself
    [case] = cases(built)
    assert case.reasons == ["texted_help"]
    assert case.priority == 1  # routine, like any request for a person
    assert case.status == "open"


def test_help_twice_is_one_case(twilio: TwilioSigner, built: Services) -> None:
    twilio.sms("HELP")
    twilio.sms("HELP")
    [case] = cases(built)
    assert case.reasons == ["texted_help"]


def test_help_on_an_open_case_is_added_to_that_case(
        twilio: TwilioSigner, built: Services) -> None:
    twilio.sms("hello")
    twilio.sms("3")  # a person, asked for
    twilio.sms("HELP")
    [case] = cases(built)
    assert case.reasons == ["asked_for_person", "texted_help"]


def test_help_after_stop_opens_nothing(twilio: TwilioSigner, built: Services) -> None:
    # Nothing may be sent after STOP until START: no advocate could answer the case.
    twilio.sms("STOP")
    assert reply_text(twilio.sms("HELP")) is None
    assert cases(built) == []


def test_help_after_the_duress_word_adds_nothing_to_the_cover(
        twilio: TwilioSigner, built: Services) -> None:
    twilio.sms("hello")
    twilio.sms("Bluebell")  # the demo deployment's duress word: the cover reply, urgent case
    twilio.sms("HELP")
    [case] = cases(built)
    assert "texted_help" not in case.reasons
    assert case.priority == 3  # noqa: PLR2004 -- still the duress word's urgent case


def test_without_twilio_handling_help_gets_the_emergency_options_and_a_case(
        app: Flask, twilio: TwilioSigner, built: Services) -> None:
    built.conversations.deployment = replace(built.settings.deployment,
                                             provider_handles_keywords=False)
    assert_emergency(reply_text(twilio.sms("help")))
    [case] = cases(built)
    assert case.reasons == ["texted_help"]
