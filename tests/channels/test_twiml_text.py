"""The SMS webhook writes its TwiML directly (app/channels/sms.py `twiml`); it must be exactly
what twilio's MessagingResponse would make of the same text, escaping included."""

from __future__ import annotations

import pytest
from flask import Flask
from twilio.twiml.messaging_response import MessagingResponse

from app.channels.sms import twiml
from app.services import services

TEXTS = [
    "Hi, thanks for your message.\n\nReply with a number:\n1 Information",
    "a & b < c > d \" ' ]]> &amp; <Message>x</Message>",
    "Tabs\tand\r\nreturns",
    "zażółć gęślą jaźń · شكرا · ਧੰਨਵਾਦ · 😂",
    "<?xml version=\"1.0\"?><Redirect>https://example.org</Redirect>",
]


def twilio_twiml(text: str | None) -> str:
    reply = MessagingResponse()
    if text:
        reply.message(text)
    return str(reply)


@pytest.mark.parametrize("text", [None, "", *TEXTS])
def test_the_twiml_is_what_twilio_would_write(app: Flask, text: str | None) -> None:
    with app.test_request_context():
        assert twiml(text).get_data(as_text=True) == twilio_twiml(text)


def test_every_catalogue_message_is_written_as_twilio_would(app: Flask) -> None:
    with app.app_context():
        catalogues = services().catalogues
        texts = [text for language in catalogues.languages
                 for _, text in catalogues.messages(language)]
    assert texts
    with app.test_request_context():
        for text in texts:
            assert twiml(text).get_data(as_text=True) == twilio_twiml(text)
