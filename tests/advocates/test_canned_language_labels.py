"""The reply picker says which language a canned reply is in when it is not the survivor's
(issue 20 follow-up, item 5): "English — no Polish version", in the list and again on the
check before sending, so nobody sends English to a Polish speaker without knowing."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.casework import wording
from app.services import services
from tests.support.cases import claim, latest_case
from tests.support.staff import csrf, make_advocate
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.databases("sqlite", "postgresql")
ENGLISH_ONLY = "Thank you for waiting. I am reading your messages now."


@pytest.fixture
def english_only(app: Flask) -> str:
    """A canned reply a supervisor added in English only; its key."""
    with app.app_context():
        member = make_advocate(app, "sue@example.org", "supervisor")
        found = services().accounts.find(member.email)
        assert found is not None
        return services().canned.add(found, "Still reading", "en", ENGLISH_ONLY)


def held_case(twilio: TwilioSigner, advocate: FlaskClient, first: str) -> int:
    twilio.sms(first)
    case_id = latest_case(twilio)
    assert claim(advocate, case_id).status_code == 302
    return case_id


def options(page: str) -> dict[str, str]:
    return dict(re.findall(r'<option value="([^"]+)" data-language="[a-z]+">([^<]*)</option>',
                           page))


def test_the_words_of_the_label() -> None:
    assert wording.canned_language("en", "pl") == "English — no Polish version"
    assert wording.canned_language("pl", "pl") == ""


def test_a_fallback_is_labelled_for_a_polish_speaker_and_the_polish_ones_are_not(
        advocate: FlaskClient, twilio: TwilioSigner, english_only: str) -> None:
    case_id = held_case(twilio, advocate, "Dzień dobry, potrzebuję pomocy")
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    offered = options(page)
    assert offered[english_only] == f"[English — no Polish version] {ENGLISH_ONLY}"
    polish = {key: text for key, text in offered.items() if key != english_only}
    assert polish
    assert not any(text.startswith("[") for text in polish.values())
    assert 'data-language="pl"' in page


def test_the_check_before_sending_says_it_again(
        advocate: FlaskClient, twilio: TwilioSigner, english_only: str) -> None:
    case_id = held_case(twilio, advocate, "Dzień dobry, potrzebuję pomocy")
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    checked = advocate.post(f"/advocates/cases/{case_id}/reply/preview",
                            data={"csrf_token": csrf(page), "canned": english_only})
    text = checked.get_data(as_text=True)
    assert 'id="language-note"' in text
    assert "English — no Polish version" in text
    assert ENGLISH_ONLY in text


def test_nothing_is_labelled_for_an_english_speaker(
        advocate: FlaskClient, twilio: TwilioSigner, english_only: str) -> None:
    case_id = held_case(twilio, advocate, "person")
    page = advocate.get(f"/advocates/cases/{case_id}").get_data(as_text=True)
    offered = options(page)
    assert offered[english_only] == ENGLISH_ONLY
    assert not any(text.startswith("[") for text in offered.values())
    checked = advocate.post(f"/advocates/cases/{case_id}/reply/preview",
                            data={"csrf_token": csrf(page), "canned": english_only})
    assert 'id="language-note"' not in checked.get_data(as_text=True)
