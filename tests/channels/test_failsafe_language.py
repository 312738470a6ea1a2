"""The fail-safe reply is in the survivor's language, English second, with nothing but memory
(issue 23, item 6; docs/threat-model.md, A5).

Each failure path, for Polish and Arabic: a flow that raises, the database down (a read-only
SQLite file: every write fails), the database and Redis down together; and Redis down alone,
which is no failure at all (the normal reply, in the language).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.content.catalogues import Catalogues
from app.content.failsafe import EMERGENCY_TEXT_EN, emergency_text, english_second
from app.services import Services
from tests.channels.test_webchat import send, start
from tests.safety.test_failsafe import dispose, signer_for
from tests.support.servers import RedisServer
from tests.support.sms import reply_text
from tests.support.twilio_signing import TwilioSigner

ROOT = Path(__file__).resolve().parents[2]
# A first message clear enough for the guesser, and how that language's fail-safe begins.
FIRST = {"pl": ("Dzień dobry, potrzebuję pomocy, proszę", "Przepraszamy, błąd"),
         "ar": ("مرحبا، أحتاج إلى المساعدة من فضلك", "عذرًا، حدث خطأ")}
LANGUAGES = pytest.mark.parametrize("language", sorted(FIRST))


def assert_failsafe_in(language: str, text: str | None) -> None:
    assert text is not None
    assert text.startswith(FIRST[language][1]), text[:60]
    assert text.endswith("\n\n" + english_second(language))  # English second, short


def raise_in_the_flow(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the flow failed")

    monkeypatch.setattr("app.conversation.turn.flow_step", broken)


@pytest.fixture
def read_only_database(environ: dict[str, str], database_path: Path) -> None:
    # Root ignores file modes, but SQLite honours mode=ro: every write fails.
    environ["DATABASE_URL"] = f"sqlite:///file:{database_path}?mode=ro&uri=true"


@pytest.fixture
def stopped_redis(environ: dict[str, str], tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis-stopped").start()
    server.stop()
    environ["REDIS_URL"] = server.url


def test_the_catalogue_text_comes_first_and_the_english_second() -> None:
    catalogues = Catalogues.load(ROOT / "translations", "en")
    polish = emergency_text(catalogues, "pl")
    assert polish == catalogues.text("pl", "failsafe.emergency") + "\n\n" + english_second("pl")
    assert emergency_text(catalogues, "en") == EMERGENCY_TEXT_EN
    assert emergency_text(catalogues, None) == EMERGENCY_TEXT_EN
    # Somali's is confirmed since issue 21 (a fuzzy one would give English alone, as every
    # fuzzy text does: tests/content/test_i18n.py).
    somali = emergency_text(catalogues, "so")
    assert somali == catalogues.text("so", "failsafe.emergency") + "\n\n" + english_second("so")


@LANGUAGES
def test_a_flow_that_raises_answers_in_the_language_of_the_first_message(
        twilio: TwilioSigner, monkeypatch: pytest.MonkeyPatch, language: str) -> None:
    raise_in_the_flow(monkeypatch)
    assert_failsafe_in(language, reply_text(twilio.sms(FIRST[language][0])))


@LANGUAGES
def test_a_flow_that_raises_answers_in_the_conversations_language_even_for_a_digit(
        twilio: TwilioSigner, monkeypatch: pytest.MonkeyPatch, language: str) -> None:
    twilio.sms(FIRST[language][0])  # answered normally: the conversation is in `language`
    raise_in_the_flow(monkeypatch)
    # "3" says nothing about a language; memory of this contact does.
    assert_failsafe_in(language, reply_text(twilio.sms("3")))


def test_without_memory_or_a_clear_guess_the_deployment_default_is_used(
        twilio: TwilioSigner, monkeypatch: pytest.MonkeyPatch) -> None:
    raise_in_the_flow(monkeypatch)
    assert reply_text(twilio.sms("3")) == EMERGENCY_TEXT_EN  # the demo's default is English


@LANGUAGES
@pytest.mark.usefixtures("read_only_database")
def test_with_the_database_down_the_failsafe_is_in_the_language(
        environ: dict[str, str], language: str) -> None:
    app, twilio = signer_for(environ)
    try:
        assert_failsafe_in(language, reply_text(twilio.sms(FIRST[language][0])))
    finally:
        dispose(app)


@LANGUAGES
@pytest.mark.usefixtures("read_only_database", "stopped_redis")
def test_with_the_database_and_redis_down_the_failsafe_is_in_the_language(
        environ: dict[str, str], language: str, caplog: pytest.LogCaptureFixture) -> None:
    app, twilio = signer_for(environ)
    try:
        assert_failsafe_in(language, reply_text(twilio.sms(FIRST[language][0])))
    finally:
        dispose(app)
    # Redis could not keep the message, so it waits sealed in the spool folder: said in the
    # log, without a word of it (app/conversation/spool.py).
    kept = [r.getMessage() for r in caplog.records if "event=spool.on_disk" in r.getMessage()]
    assert kept == [kept[0]]
    assert FIRST[language][0] not in kept[0]
    assert not [r for r in caplog.records if "event=spool.lost" in r.getMessage()]


@LANGUAGES
@pytest.mark.usefixtures("stopped_redis")
def test_with_only_redis_down_the_normal_reply_goes_out_in_the_language(
        environ: dict[str, str], language: str) -> None:
    app, twilio = signer_for(environ)
    try:
        text = reply_text(twilio.sms(FIRST[language][0]))
    finally:
        dispose(app)
    assert text is not None
    assert EMERGENCY_TEXT_EN not in text  # not the fail-safe: nothing failed
    with app.app_context():
        built: Services = app.extensions["quietline"]
        # "I need help" asks for a person (issue 21): the person step answers, in the language.
        assert text.startswith(built.catalogues.text(language, "person.requested")[:20])


@LANGUAGES
def test_the_web_chats_failsafe_is_in_the_pages_language_english_second(
        client: FlaskClient, monkeypatch: pytest.MonkeyPatch, language: str) -> None:
    raise_in_the_flow(monkeypatch)
    response = send(client, start(client), "3", language=language)
    assert response.status_code == 503
    assert_failsafe_in(language, response.get_json()["message"])


def test_the_fallback_url_answers_a_signed_message_in_its_language(
        app: Flask, twilio: TwilioSigner) -> None:
    params = twilio.sms_params(FIRST["pl"][0])
    response = twilio.post("/webhooks/twilio/fallback", params)
    assert_failsafe_in("pl", reply_text(response))
