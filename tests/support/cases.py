"""Cases for tests, made and worked through the real webhook, web chat and staff pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.services import services
from app.storage.models import Reply
from tests.support.fake_twilio import FakeTwilio, SentMessage
from tests.support.staff import csrf, csrf_from
from tests.support.twilio_signing import SURVIVOR, TwilioSigner


def open_case(twilio: TwilioSigner, sender: str = "+447700900123") -> int:
    """A survivor asks for a person by SMS; returns the case id."""
    twilio.sms("person", sender=sender)
    return latest_case(twilio)


@dataclass(frozen=True)
class WebCase:
    survivor: FlaskClient  # the survivor's browser
    token: str  # the chat's token, for /chat/send, /chat/poll, /chat/exit
    case_id: int


def web_case(app: Flask, message_id: str = "a" * 32) -> WebCase:
    """A survivor asks for a person in the web chat, on a client of their own."""
    survivor = app.test_client()
    token = survivor.post("/chat/start").get_json()["token"]
    survivor.post("/chat/send", json={"token": token, "id": message_id, "text": "person"})
    return WebCase(survivor, token, newest_case(app))


def latest_case(twilio: TwilioSigner) -> int:
    """The newest case's id."""
    return newest_case(twilio.client.application)


def newest_case(app: Flask) -> int:
    """The newest case's id."""
    with app.app_context(), services().casework.database.engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT max(id) FROM escalations").scalar()
    assert row is not None
    return int(row)


def claim(client: FlaskClient, case_id: int, *, fetch: bool = False) -> TestResponse:
    """The signed-in advocate on `client` claims the case from the queue page: a form post, or
    with `fetch` the page script's request (answered in JSON)."""
    token = csrf_from(client, "/advocates/queue")
    if fetch:
        return client.post(f"/advocates/cases/{case_id}/claim",
                           headers={"X-Requested-With": "fetch", "X-CSRF-Token": token})
    return client.post(f"/advocates/cases/{case_id}/claim", data={"csrf_token": token})


def send_reply(client: FlaskClient, case_id: int, text: str) -> TestResponse:
    """The advocate on `client` opens the case page and sends `text` from its reply form."""
    page = client.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    return client.post(f"/advocates/cases/{case_id}/reply",
                       data={"csrf_token": csrf(page), "text": text})


class SentReply(NamedTuple):  # a tuple, so a test unpacks what it needs
    case_id: int
    sent: SentMessage  # the one SMS the provider was asked to send to the survivor


def sent_reply(advocate: FlaskClient, twilio: TwilioSigner, fake_twilio: FakeTwilio,
               text: str) -> SentReply:
    """A survivor asks for a person, the advocate on `advocate` claims the case and sends
    `text`, which the (fake) provider took: the start of every delivery-receipt test."""
    case_id = open_case(twilio)
    claim(advocate, case_id)
    send_reply(advocate, case_id, text)
    (sent,) = [m for m in fake_twilio.messages if m.to == SURVIVOR]
    return SentReply(case_id, sent)


def close_form_seen(page: str) -> dict[str, str]:
    """The close form's record of the held replies it showed, as a browser posts it."""
    found = re.search(r'name="held_seen" value="([^"]*)"', page)
    return {"held_seen": found.group(1)} if found else {}


def close_case(client: FlaskClient, case_id: int, reason: str = "supported",
               **form: str) -> TestResponse:
    """The advocate on `client` closes the case from its page's form, as shown now (`form`:
    e.g. held="send", the choice for replies not sent yet)."""
    page = client.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    return client.post(f"/advocates/cases/{case_id}/close", data={
        "csrf_token": csrf(page), "reason": reason, **close_form_seen(page), **form})


def reply_rows(app: Flask) -> list[Reply]:
    """Every advocate's reply the service has stored."""
    with app.app_context(), services().database.session() as session:
        return list(session.scalars(select(Reply)))
