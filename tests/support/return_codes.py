"""A web chat survivor who chose "come back later", for tests: the code the page showed."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient

from tests.support.cases import newest_case

_ids = itertools.count(1)
# "person", then "1" (safe to talk), then "2" (come back here later): flows/webchat.yaml.
COME_BACK = ("person", "1", "2")


@dataclass(frozen=True)
class ComeBack:
    survivor: FlaskClient
    token: str
    case_id: int
    code: str
    replies: tuple[str, ...]  # what the chat said when it showed the code


def chat(survivor: FlaskClient, token: str, text: str, language: str = "en",
         address: str = "203.0.113.5") -> dict[str, object]:
    answer = survivor.post("/chat/send", json={"token": token, "id": f"{next(_ids):032x}",
                                               "text": text, "language": language},
                           environ_base={"REMOTE_ADDR": address})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    payload: dict[str, object] = answer.get_json()
    return payload


def come_back_later(app: Flask, language: str = "en") -> ComeBack:
    """A survivor asks for a person in the web chat and chooses to come back later."""
    survivor = app.test_client()
    token = survivor.post("/chat/start").get_json()["token"]
    payload: dict[str, object] = {}
    for text in COME_BACK:
        payload = chat(survivor, token, text, language)
        assert "code" not in payload or text == "2"
    code = payload["code"]
    assert isinstance(code, str)
    replies = payload["replies"]
    assert isinstance(replies, list)
    return ComeBack(survivor, token, newest_case(app), code, tuple(replies))


def resume(client: FlaskClient, code: str, address: str = "203.0.113.9",
           language: str = "en") -> tuple[int, dict[str, object]]:
    answer = client.post("/chat/resume", json={"code": code, "language": language},
                         environ_base={"REMOTE_ADDR": address})
    return answer.status_code, answer.get_json()
