"""The SMS blueprint's last-resort error handler (a request hook broke before the view could
answer) answers in the survivor's language when that is known safely, English second, and
never raises (issue 23, item 6; docs/threat-model.md, A5)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.content.failsafe import EMERGENCY_TEXT_EN
from app.services import Services
from tests.channels.test_failsafe_language import FIRST, LANGUAGES, assert_failsafe_in
from tests.support.sms import reply_text
from tests.support.twilio_signing import SURVIVOR, TwilioSigner


def break_a_request_hook(app: Flask) -> None:
    def broken() -> None:
        raise RuntimeError("a request hook failed")

    app.before_request_funcs.setdefault(None, []).append(broken)


@LANGUAGES
def test_a_signed_first_message_is_answered_in_its_language(
        app: Flask, twilio: TwilioSigner, language: str) -> None:
    break_a_request_hook(app)
    assert_failsafe_in(language, reply_text(twilio.sms(FIRST[language][0])))


@LANGUAGES
def test_a_signed_message_is_answered_in_its_conversations_language_even_for_a_digit(
        app: Flask, twilio: TwilioSigner, language: str) -> None:
    twilio.sms(FIRST[language][0])  # answered normally: the conversation is in `language`
    break_a_request_hook(app)
    assert_failsafe_in(language, reply_text(twilio.sms("1")))


def test_the_signed_message_is_spooled_to_be_stored_later(
        app: Flask, twilio: TwilioSigner, built: Services) -> None:
    break_a_request_hook(app)
    reply_text(twilio.sms("person"))
    assert built.spool.size() == 1


def test_an_unsigned_request_never_learns_which_language_a_number_wrote_in(
        app: Flask, client: FlaskClient, twilio: TwilioSigner, built: Services) -> None:
    twilio.sms(FIRST["pl"][0])  # the number's conversation is in Polish
    break_a_request_hook(app)
    forged = client.post("/webhooks/twilio/sms", data={
        "MessageSid": "SM" + "f" * 32, "From": SURVIVOR, "Body": "1"})
    assert reply_text(forged) == EMERGENCY_TEXT_EN
    assert built.spool.size() == 0  # and nothing unsigned is spooled


def test_an_unsigned_request_gets_at_most_a_guess_from_its_own_text(
        app: Flask, client: FlaskClient) -> None:
    break_a_request_hook(app)
    forged = client.post("/webhooks/twilio/sms", data={
        "MessageSid": "SM" + "e" * 32, "From": SURVIVOR, "Body": FIRST["pl"][0]})
    assert_failsafe_in("pl", reply_text(forged))


def test_with_the_services_broken_too_the_answer_is_the_english_text(
        app: Flask, twilio: TwilioSigner, monkeypatch: pytest.MonkeyPatch) -> None:
    break_a_request_hook(app)

    def no_services() -> None:
        raise RuntimeError("services unavailable")

    monkeypatch.setattr("app.channels.sms.services", no_services)
    assert reply_text(twilio.sms(FIRST["pl"][0])) == EMERGENCY_TEXT_EN
