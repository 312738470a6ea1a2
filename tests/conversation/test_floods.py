"""Flood control (issue 23, item 7; docs/threat-model.md, A2): over its allowance a source's
messages are still stored and a request for a person still reaches the queue; the reply is a
static notice with the emergency options; the limit expires on its own; Redis down fails open.
"""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from app import create_app
from app.config import load_settings
from app.conversation.throttle import Throttle
from app.crypto import ContactHasher, generate_key_token
from app.deployment.sections import FloodLimits
from app.services import Services, services
from app.storage.models import Escalation, Message
from tests.channels.test_webchat import next_id
from tests.conftest import MovableClock
from tests.support.cases import csrf
from tests.support.fake_twilio import FakeTwilio
from tests.support.staff import make_advocate, sign_in
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")
TUESDAY_10AM = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
EMERGENCY = "If you are in danger now, call 999"
NOTICE = "We have your messages."
ADDRESS = "203.0.113.77"


def text_of(response: TestResponse) -> str | None:
    assert response.status_code == 200
    found = ET.fromstring(response.get_data(as_text=True)).findall("Message")  # noqa: S314
    return found[0].text if found else None


def cases(built: Services) -> list[Escalation]:
    with built.database.session() as session:
        return list(session.scalars(select(Escalation).order_by(Escalation.id)))


def inbound_count(built: Services) -> int:
    with built.database.session() as session:
        return int(session.scalar(select(func.count()).select_from(Message)
                                  .where(Message.direction == "in")) or 0)


def chat(client: FlaskClient, text: str, address: str = ADDRESS, token: str = "",
         language: str = "en") -> dict[str, object]:
    response = client.post("/chat/send", json={"token": token, "id": next_id(), "text": text,
                                                "language": language},
                           environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 200
    body: dict[str, object] = response.get_json()
    return body


def test_200_texts_in_a_minute_then_a_person_request_reaches_the_queue(
    twilio: TwilioSigner, built: Services, clock: MovableClock
) -> None:
    clock.set(TUESDAY_10AM)
    allowance = built.settings.deployment.floods.contact_burst
    replies = [text_of(twilio.sms(f"message {n}")) for n in range(200)]
    assert all(reply is not None for reply in replies[:allowance])
    # Over the allowance: told once, with the emergency options, then no reply per message.
    notice = replies[allowance]
    assert notice is not None
    assert notice.startswith(NOTICE)
    assert EMERGENCY in notice
    assert replies[allowance + 1:] == [None] * (199 - allowance)
    # Still stored, every one.
    assert inbound_count(built) == 200
    clock.advance(timedelta(seconds=1))  # still well over the allowance
    answer = text_of(twilio.sms("person"))
    assert answer is not None
    assert EMERGENCY in answer  # a request for a person is always answered
    (case,) = cases(built)
    assert case.status == "open"
    assert "asked_for_person" in case.reasons
    assert "possible_flood" in case.reasons
    assert inbound_count(built) == 201


def test_the_limit_expires_on_its_own(
    twilio: TwilioSigner, built: Services, clock: MovableClock
) -> None:
    clock.set(TUESDAY_10AM)
    for n in range(60):
        twilio.sms(f"message {n}")
    assert text_of(twilio.sms("0")) is None
    clock.advance(timedelta(minutes=3))
    answer = text_of(twilio.sms("0"))
    assert answer is not None
    assert not answer.startswith(NOTICE)


def test_after_the_duress_word_a_flood_never_gets_the_emergency_notice(
    twilio: TwilioSigner, clock: MovableClock
) -> None:
    clock.set(TUESDAY_10AM)
    cover = text_of(twilio.sms("bluebell"))
    replies = [text_of(twilio.sms(f"message {n}")) for n in range(40)]
    assert all(EMERGENCY not in (reply or "") for reply in replies)
    assert cover in replies  # the cover reply, once, is the notice there
    assert replies[-1] is None


def test_a_throttled_chat_always_answers_with_the_emergency_options_in_its_language(
    client: FlaskClient, clock: MovableClock
) -> None:
    clock.set(TUESDAY_10AM)
    first = chat(client, "dzień dobry", language="pl")
    token = str(first["token"])
    answers = [chat(client, f"wiadomość {n}", token=token, language="pl")["replies"]
               for n in range(40)]
    assert all(answers), "a chat message is never answered with silence"
    last = answers[-1]
    assert isinstance(last, list)
    assert "999" in last[0]
    assert "W razie zagrożenia dzwoń pod 999" in last[0]  # the Polish emergency options


def test_a_burst_of_new_chats_from_one_address_is_marked_and_alerts_the_on_call_phone_once(
    app: Flask, client: FlaskClient, built: Services, clock: MovableClock,
    fake_twilio: FakeTwilio, inline_jobs: None,
) -> None:
    clock.set(TUESDAY_10AM)
    built.redis.delete("quietline:queue-watchers")
    answers = [chat(client, "he is here now, help") for _ in range(40)]
    assert all(answer["replies"] for answer in answers)
    opened = cases(built)
    assert len(opened) == 40  # each conversation keeps its own case: none is lost
    floods = built.settings.deployment.floods
    unmarked = [case for case in opened if "possible_flood" not in case.reasons]
    assert len(unmarked) <= floods.new_cases_burst
    # The on-call phone hears of the unmarked cases and of the flood once, not 40 times.
    assert len(fake_twilio.messages) <= len(unmarked) + 1
    # Someone on another address is not slowed by it.
    other = chat(client, "hello", address="198.51.100.9")["replies"]
    assert isinstance(other, list)
    assert not other[0].startswith(NOTICE)


def test_the_address_is_never_stored(
    client: FlaskClient, built: Services, database_kind: str, database_path: Path,
    clock: MovableClock,
) -> None:
    clock.set(TUESDAY_10AM)
    for _ in range(35):
        chat(client, "hello")
    for key in built.redis.scan_iter("quietline:*"):
        assert ADDRESS.encode() not in key
        if built.redis.type(key) == b"string":
            assert ADDRESS.encode() not in (built.redis.get(key) or b"")
    if database_kind == "sqlite":
        with built.database.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        assert ADDRESS.encode() not in database_path.read_bytes()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_with_redis_down_the_throttle_allows_everything() -> None:
    down = redis.Redis(port=closed_port(), socket_connect_timeout=0.2, socket_timeout=0.2,
                           retry=Retry(NoBackoff(), 0))
    throttle = Throttle(down, ContactHasher(generate_key_token()), FloodLimits(contact_burst=1,
                        contact_per_minute=1), lambda: TUESDAY_10AM)
    verdicts = [throttle.check("a" * 64, ADDRESS) for _ in range(5)]
    assert not any(verdict.limited for verdict in verdicts)
    assert throttle.new_case_allowed()


def test_with_redis_down_a_flood_of_texts_is_answered_and_escalates_as_usual(
    app: Flask, twilio: TwilioSigner, clock: MovableClock
) -> None:
    clock.set(TUESDAY_10AM)
    with app.app_context():
        down = redis.Redis(port=closed_port(), socket_connect_timeout=0.2, socket_timeout=0.2,
                           retry=Retry(NoBackoff(), 0))
        throttle = services().conversations.throttle
        assert throttle is not None
        throttle.redis = down
        throttle._script = down.register_script(  # noqa: SLF001 -- Redis "down" for this test
            "return 1")
    replies = [text_of(twilio.sms(f"message {n}", sender=SURVIVOR)) for n in range(30)]
    assert all(reply is not None and not reply.startswith(NOTICE) for reply in replies)


def test_behind_a_trusted_proxy_each_forwarded_address_has_its_own_allowance(
    environ: dict[str, str], clock: MovableClock
) -> None:
    clock.set(TUESDAY_10AM)
    proxied = create_app(load_settings({**environ, "QUIETLINE_TRUSTED_PROXIES": "1"}), clock)
    try:
        browser = proxied.test_client()

        def first_reply(forwarded: str) -> str:
            answer = browser.post("/chat/send", headers={"X-Forwarded-For": forwarded},
                                  json={"token": "", "id": next_id(), "text": "hello"})
            replies = answer.get_json()["replies"]
            assert isinstance(replies, list)
            return str(replies[0])

        flooded = [first_reply("198.51.100.7") for _ in range(40)]
        assert flooded[-1].startswith(NOTICE)
        assert not first_reply("203.0.113.9").startswith(NOTICE)
    finally:
        with proxied.app_context():
            services().close()


def test_advocates_read_possible_flood_in_plain_words(
    app: Flask, client: FlaskClient, twilio: TwilioSigner, built: Services,
    clock: MovableClock,
) -> None:
    clock.set(TUESDAY_10AM)
    for n in range(30):
        twilio.sms(f"message {n}")
    twilio.sms("person")
    (case,) = cases(built)
    advocate = make_advocate(app, "a@example.org")
    sign_in(client, advocate, code=advocate.code(clock().timestamp()))
    token = csrf(client.get("/advocates/queue").get_data(as_text=True))
    client.post(f"/advocates/cases/{case.id}/claim", data={"csrf_token": token})
    page = client.get(f"/advocates/cases/{case.id}").get_data(as_text=True)
    assert "possible flood" in page
    assert "possible_flood" not in page
