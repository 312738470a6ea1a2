"""Without its language n-gram file the service still answers, in the default language.

`[languages] models = "ngrams"` (the default) reads a file built at install time
(app/content/ngram_build.py). If it is missing or damaged, nothing is guessed: the survivor
gets the deployment's default language and its language menu, never an error, and the
fail-safe answers in the default language too (issue 22, item 6).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from app.content import language as language_module
from app.content.failsafe import EMERGENCY_TEXT_EN
from app.services import Services
from tests.channels.test_failsafe_language import FIRST, assert_failsafe_in, raise_in_the_flow
from tests.support.sms import reply_text
from tests.support.twilio_signing import TwilioSigner

POLISH = FIRST["pl"][0]


@pytest.fixture(params=["missing", "damaged"])
def no_usable_file(request: pytest.FixtureRequest, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "language-ngrams.bin"
    if request.param == "damaged":
        path.write_bytes(b"QLNGRAM1\x10\x00\x00\x00{not json at all")
    monkeypatch.setattr(language_module, "NGRAM_FILE", path)


def test_with_the_file_a_polish_first_message_is_answered_in_polish(
        app: Flask, twilio: TwilioSigner) -> None:
    text = reply_text(twilio.sms(POLISH))
    with app.app_context():
        built: Services = app.extensions["quietline"]
        assert text is not None
        assert text.startswith(built.catalogues.text("pl", "person.requested")[:20])


@pytest.mark.usefixtures("no_usable_file")
def test_without_it_the_same_message_is_answered_in_the_default_language(
        app: Flask, twilio: TwilioSigner) -> None:
    text = reply_text(twilio.sms(POLISH))
    with app.app_context():
        built: Services = app.extensions["quietline"]
        assert text is not None
        assert text.startswith(built.catalogues.text("en", "person.requested")[:20])


@pytest.mark.usefixtures("no_usable_file")
def test_without_it_the_failsafe_still_answers_in_the_default_language(
        twilio: TwilioSigner, monkeypatch: pytest.MonkeyPatch) -> None:
    raise_in_the_flow(monkeypatch)
    assert reply_text(twilio.sms(POLISH)) == EMERGENCY_TEXT_EN


def test_with_the_file_the_failsafe_answers_in_the_language(
        twilio: TwilioSigner, monkeypatch: pytest.MonkeyPatch) -> None:
    raise_in_the_flow(monkeypatch)
    assert_failsafe_in("pl", reply_text(twilio.sms(POLISH)))
