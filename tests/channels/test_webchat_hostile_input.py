"""Inputs that used to give 5xx on the chat endpoints (issue 23, item 9): each gets a clear
4xx or a normal answer."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.services import Services
from app.storage import transcripts
from app.storage.models import Conversation
from tests.channels.test_webchat import next_id, start

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("path", ["/chat/send", "/chat/poll", "/chat/erase",
                                  "/chat/erase/scope"])
@pytest.mark.parametrize("body", [DEEP, '{"token": ' + DEEP + "}", '{"a":' * 30_000 + "1"
                                  + "}" * 30_000])
def test_deeply_nested_json_gets_a_clear_answer_not_a_server_error(
    client: FlaskClient, path: str, body: str
) -> None:
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code < 500
    assert response.is_json
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_lone_surrogate_is_stored_replaced_and_the_message_answered(
    client: FlaskClient, built: Services
) -> None:
    # A paste that cut an emoji in half: the browser sends half a surrogate pair.
    token = start(client)
    raw = json.dumps({"token": token, "id": next_id(), "text": "help me \ud83d"})
    assert "\\ud83d" in raw
    response = client.post("/chat/send", data=raw, content_type="application/json")
    assert response.status_code == 200
    assert response.get_json()["replies"]
    with built.database.transaction() as connection:
        conversation_id = connection.execute(select(Conversation.id)).scalar_one()
        bodies = [m.body for m in transcripts.transcript(connection, built.keyring, conversation_id)
                  if m.direction == "in"]
    assert bodies == ["help me \ufffd"]


@pytest.mark.parametrize("field", ["token", "id", "language"])
def test_a_lone_surrogate_in_any_other_field_gets_a_clear_answer(
    client: FlaskClient, field: str
) -> None:
    body = {"token": start(client), "id": next_id(), "text": "hello", "language": "en"}
    body[field] = "\udc00" + body[field]
    for path in ("/chat/send", "/chat/poll", "/chat/erase", "/chat/erase/scope"):
        response = client.post(path, data=json.dumps(body), content_type="application/json")
        assert response.status_code < 500, path
