"""STOP, START and HELP: recorded, never answered twice (README, "STOP, START and HELP")."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask
from sqlalchemy import select

from app.services import Services
from app.storage.models import AuditEvent, Message, OptOut
from tests.support.sms import assert_emergency, count, reply_text
from tests.support.twilio_signing import TwilioSigner

# Storage-dependent: every test here runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.databases("sqlite", "postgresql")


def opted_out(built: Services) -> bool:
    return count(built, OptOut) == 1


@pytest.mark.parametrize("word", ["STOP", "stop", " Stop ", "UNSUBSCRIBE", "quit", "stopall"])
def test_stop_words_record_the_opt_out_and_send_no_second_reply(
    twilio: TwilioSigner, built: Services, word: str
) -> None:
    assert reply_text(twilio.sms(word)) is None
    assert opted_out(built)


def test_after_stop_ordinary_messages_are_stored_but_not_answered(
    twilio: TwilioSigner, built: Services
) -> None:
    twilio.sms("hello")
    twilio.sms("STOP")
    assert reply_text(twilio.sms("are you there")) is None
    assert reply_text(twilio.sms("999")) is None  # Twilio would block any reply after STOP
    with built.database.session() as session:
        inbound = session.scalars(select(Message).where(Message.direction == "in")).all()
    assert len(inbound) == 4


def test_start_lifts_the_opt_out_and_the_flow_answers_again(
    twilio: TwilioSigner, built: Services
) -> None:
    twilio.sms("STOP")
    assert reply_text(twilio.sms("START")) is None  # Twilio confirms START itself
    assert not opted_out(built)
    text = reply_text(twilio.sms("hello"))
    assert text is not None
    assert text.startswith("Hi,")


def test_opt_out_and_opt_in_are_audited_without_content(
    twilio: TwilioSigner, built: Services
) -> None:
    twilio.sms("STOP")
    twilio.sms("STOP")
    twilio.sms("START")
    with built.database.session() as session:
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["contact.opted_out", "contact.opted_in"]


def test_help_is_left_to_twilio_by_default(twilio: TwilioSigner) -> None:
    assert reply_text(twilio.sms("HELP")) is None


def test_a_sentence_with_stop_in_it_is_not_an_opt_out(
    twilio: TwilioSigner, built: Services
) -> None:
    assert reply_text(twilio.sms("please make him stop")) is not None
    assert not opted_out(built)


@pytest.fixture
def self_managed(app: Flask, built: Services) -> Services:
    """A deployment whose numbers do not have Twilio's keyword handling."""
    deployment = replace(built.settings.deployment, provider_handles_keywords=False)
    built.conversations.deployment = deployment
    return built


def test_without_twilio_handling_stop_and_start_are_confirmed_by_us(
    twilio: TwilioSigner, self_managed: Services
) -> None:
    stopped = reply_text(twilio.sms("STOP"))
    assert stopped is not None
    assert "START" in stopped
    assert opted_out(self_managed)
    assert reply_text(twilio.sms("hello")) is None
    started = reply_text(twilio.sms("START"))
    assert started is not None
    assert not opted_out(self_managed)


def test_without_twilio_handling_help_gets_the_emergency_options(
    twilio: TwilioSigner, self_managed: Services
) -> None:
    assert_emergency(reply_text(twilio.sms("help")))
