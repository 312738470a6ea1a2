"""A web chat survivor who asks to be texted and gives a safe number, for tests."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient

from tests.support.cases import newest_case
from tests.support.return_codes import chat

# A reserved Ofcom drama number, not the SMS tests' usual survivor (+447700900123).
SAFE_NUMBER = "+447700900321"
# "person", "1" (safe to talk), "3" text me at a safe number (flows/webchat.yaml,
# web_person_how_texts); "4" would be "call me at a safe number".
TEXT_ME = ("person", "1", "3")
CALL_ME = ("person", "1", "4")


@dataclass(frozen=True)
class NumberGiven:
    survivor: FlaskClient
    token: str
    case_id: int
    answer: dict[str, object]  # what /chat/number answered


def give_number(survivor: FlaskClient, token: str, number: str,
                language: str = "en") -> tuple[int, dict[str, object]]:
    answer = survivor.post("/chat/number", json={"token": token, "number": number,
                                                 "language": language})
    return answer.status_code, answer.get_json()


def asks_to_be_texted(app: Flask, choices: tuple[str, ...] = TEXT_ME,
                      language: str = "en") -> tuple[FlaskClient, str, dict[str, object]]:
    """A survivor in the web chat asks for a person and chooses to be texted (or called)."""
    survivor = app.test_client()
    token = survivor.post("/chat/start").get_json()["token"]
    payload: dict[str, object] = {}
    for text in choices:
        payload = chat(survivor, token, text, language)
    return survivor, token, payload


def number_given(app: Flask, number: str = SAFE_NUMBER, safe_time: str = "weekdays 6-8pm",
                 choices: tuple[str, ...] = TEXT_ME) -> NumberGiven:
    """... gives a safe number in the page's form, a safe time in the chat, and answers the
    consent question ("3": talk about it first)."""
    survivor, token, payload = asks_to_be_texted(app, choices)
    asked = payload.get("askNumber")
    assert isinstance(asked, dict)
    assert asked["label"] == "Mobile number for texts or calls"
    status, answer = give_number(survivor, token, number)
    assert status == 200, answer
    chat(survivor, token, safe_time)
    chat(survivor, token, "3")
    return NumberGiven(survivor, token, newest_case(app), answer)
