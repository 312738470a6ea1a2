"""On the chat page as it first opens, the survivor's own words decide the replies' language.

The page opens in the deployment's default language (English in the demo) and its script
sent that language with every message, so a Polish message on it was answered in English:
tried in Chromium, "nie moge rozmawiac, on jest w domu i ma noz" got the English emergency
reply, where the same text by SMS got the Polish one. The page now says whether the survivor
chose its language (`?lang=`, the language menu); only a chosen language decides the
replies, else the language of their words, guessed as on SMS, does. The page's own texts
(errors) stay in the page's language either way.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from app.services import Services
from tests.conftest import MovableClock

SATURDAY = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # out of hours: urgent.closed answers


@pytest.fixture(autouse=True)
def out_of_hours(clock: MovableClock) -> None:
    clock.set(SATURDAY)


POLISH = "nie moge rozmawiac, on jest w domu i ma noz"  # "can't talk, he's home with a knife"


def start(client: FlaskClient) -> str:
    token = client.post("/chat/start").get_json()["token"]
    assert isinstance(token, str)
    return token


def send(client: FlaskClient, token: str, text: str, n: int, **extra: object) -> list[str]:
    body = {"token": token, "id": f"{n:032x}", "text": text, **extra}
    replies = client.post("/chat/send", json=body).get_json()["replies"]
    assert isinstance(replies, list)
    return replies


def test_polish_on_the_page_as_it_opened_is_answered_in_polish(
        client: FlaskClient, built: Services) -> None:
    polish = built.catalogues.text("pl", "urgent.closed").split(".")[0]
    english = built.catalogues.text("en", "urgent.closed").split(".")[0]
    replies = send(client, start(client), POLISH, 1, language="en", languageChosen=False)
    assert polish in replies[0]
    assert english not in replies[0]


def test_a_language_the_survivor_chose_still_decides(client: FlaskClient,
                                                     built: Services) -> None:
    english = built.catalogues.text("en", "urgent.closed").split(".")[0]
    replies = send(client, start(client), POLISH, 2, language="en", languageChosen=True)
    assert english in replies[0]


def test_the_page_says_whether_its_language_was_chosen(client: FlaskClient) -> None:
    assert '"languageChosen": false' in client.get("/").get_data(as_text=True)
    assert '"languageChosen": true' in client.get("/?lang=pl").get_data(as_text=True)
