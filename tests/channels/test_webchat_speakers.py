"""Who is speaking in the web chat (issue 19, item 2): the page has words for the service's
automatic messages and for a person's replies, in the page's language or the deployment's own
wording, and the chat poll says the replies it hands over are from a person (nothing more)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.config import Settings
from tests.support.cases import claim, send_reply, web_case
from tests.support.catalogues import with_unconfirmed

REPLY = "Hello, this is Sam. I can talk now if you can."


def chat_config(client: FlaskClient, query: str = "") -> dict[str, object]:
    page = client.get("/" + query).get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="chat-config">(.*?)</script>', page,
                      re.S)
    assert found is not None
    config: dict[str, object] = json.loads(found.group(1))
    return config


@pytest.mark.parametrize(("query", "service", "person"), [
    ("", "Automatic message", "From the team"),
    ("?lang=ar", "رسالة تلقائية", "من الفريق"),
])
def test_the_page_names_both_speakers_in_its_language(client: FlaskClient, query: str,
                                                      service: str, person: str) -> None:
    assert chat_config(client, query)["speakers"] == {"service": service, "person": person}
    page = client.get("/" + query).get_data(as_text=True)
    # The welcome line already says it is automatic, before any script runs.
    assert f'<li class="speaker from-service">{service}</li>' in page


@pytest.fixture
def unchecked_somali(tmp_path: Path, environ: dict[str, str]) -> None:
    """The shipped catalogues with the Somali speakers' words unconfirmed (fuzzy): every
    shipped text is confirmed (tests/content/test_every_text_translated.py), a partnership's
    translator may still run on drafts."""
    copy = with_unconfirmed(tmp_path, "so", "web", ("chat.from_service", "chat.from_person"))
    environ["QUIETLINE_TRANSLATIONS"] = str(copy)


@pytest.mark.usefixtures("unchecked_somali")
def test_a_language_without_a_checked_translation_falls_back_to_english(
        client: FlaskClient) -> None:
    assert chat_config(client, "?lang=so")["speakers"] == {
        "service": "Automatic message", "person": "From the team"}


class TestTheDeploymentsWording:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        deployment = dataclasses.replace(settings.deployment, person_label="Sam, from the team")
        return dataclasses.replace(settings, deployment=deployment)

    @pytest.mark.parametrize("query", ["", "?lang=ar", "?lang=pl"])
    def test_is_used_in_every_language(self, client: FlaskClient, query: str) -> None:
        speakers = chat_config(client, query)["speakers"]
        assert isinstance(speakers, dict)
        assert speakers["person"] == "Sam, from the team"


def test_the_poll_says_its_replies_are_from_a_person_and_nothing_else(
        app: Flask, advocate: FlaskClient) -> None:
    chat = web_case(app)
    claim(advocate, chat.case_id)
    send_reply(advocate, chat.case_id, REPLY)
    answer = chat.survivor.post("/chat/poll", json={"token": chat.token}).get_json()
    assert answer == {"replies": [REPLY], "from": "person"}
