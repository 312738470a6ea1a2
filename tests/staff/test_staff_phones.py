"""Advocates' own phones (app/staff/phones.py): typed as people type them, sealed under the
account's key, shown only masked, kept across a reset, set by the advocate or an administrator."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.crypto import generate_key_token
from app.services import services
from app.staff.phones import PhoneError, mask, normalise
from app.storage.models import Advocate, AuditEvent
from tests.conftest import AppWith
from tests.support.calls import ADVOCATE_PHONE, set_phone
from tests.support.staff import PASSWORD

pytestmark = pytest.mark.databases("sqlite", "postgresql")


@pytest.mark.parametrize("typed", [
    "+447700900456", "+44 7700 900456", "07700 900456", "07700-900-456", "0044 7700 900456",
    "+44 (0)7700 900456", " (07700) 900456 ",
])
def test_numbers_are_read_as_people_type_them(typed: str) -> None:
    assert normalise(typed) == ADVOCATE_PHONE


@pytest.mark.parametrize("typed", ["12345", "+44", "call me", "+0447700900456",
                                   "+4477009004561234567", "447700900456x"])
def test_what_is_not_a_number_is_refused_without_echoing_it(typed: str) -> None:
    with pytest.raises(PhoneError) as refused:
        normalise(typed)
    assert str(refused.value) == ("write the number with its country code, e.g. +44 7700 "
                                  "900123, or as a UK number starting with 0")


def test_a_masked_number_shows_the_country_and_last_three_digits_only() -> None:
    assert mask(ADVOCATE_PHONE) == "+44 … 456"


def test_the_phone_page_sets_and_shows_the_number_masked(
        app: Flask, advocate: FlaskClient) -> None:
    assert set_phone(advocate).status_code == 302
    page = advocate.get("/advocates/account/phone").get_data(as_text=True)
    assert "+44 … 456" in page
    for form in (ADVOCATE_PHONE, ADVOCATE_PHONE[1:], "07700 900456", "07700900456"):
        assert form not in page
    with app.app_context(), services().database.session() as session:
        sealed = session.scalar(select(Advocate.phone_sealed))
        actions = list(session.scalars(select(AuditEvent.action)))
    assert sealed is not None
    assert ADVOCATE_PHONE.encode() not in sealed
    assert "advocate.phone_set" in actions


def test_a_bad_number_is_refused_on_the_page_with_the_form_again(advocate: FlaskClient) -> None:
    response = set_phone(advocate, "call me")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Not saved: write the number with its country code" in text
    assert "No phone set." in text


def test_an_empty_number_removes_it(app: Flask, advocate: FlaskClient) -> None:
    set_phone(advocate)
    assert set_phone(advocate, "").status_code == 302
    assert "No phone set." in advocate.get("/advocates/account/phone").get_data(as_text=True)
    with app.app_context():
        assert services().phones.number(1) is None


def test_a_reset_keeps_the_phone_under_the_new_key(app: Flask, advocate: FlaskClient) -> None:
    set_phone(advocate)
    with app.app_context():
        built = services()
        member = built.accounts.find("a@example.org")
        assert member is not None
        built.accounts.reset("a@example.org", PASSWORD)
        assert built.phones.number(member.id) == ADVOCATE_PHONE


def test_a_reset_under_a_keyring_without_the_account_s_key_refuses_and_changes_nothing(
        app: Flask, advocate: FlaskClient, app_with: AppWith) -> None:
    # The administrator dropped the old data key before `keys rotate` re-wrapped this
    # account's key: the reset said nothing useful (a traceback) and would have lost the phone.
    set_phone(advocate)
    with app.app_context(), services().database.session() as session:
        before = session.scalars(select(Advocate.password_hash)).one()
    rotated = app_with(QUIETLINE_DATA_KEYS=generate_key_token())
    result = rotated.test_cli_runner().invoke(
        args=["advocates", "reset", "a@example.org", "--password-stdin"],
        input=PASSWORD + "-new\n")
    assert result.exit_code != 0
    assert "QUIETLINE_DATA_KEYS" in result.output
    assert "keys rotate" in result.output
    assert "Traceback" not in result.output
    with app.app_context():
        with services().database.session() as session:
            assert session.scalars(select(Advocate.password_hash)).one() == before
        assert services().phones.number(1) == ADVOCATE_PHONE


def test_an_administrator_sets_an_advocate_s_phone_from_the_command_line(
        app: Flask, advocate: FlaskClient) -> None:
    result = app.test_cli_runner().invoke(args=["advocates", "phone", "a@example.org",
                                                "--stdin"], input="07700 900456\n")
    assert result.exit_code == 0, result.output
    assert "+44 … 456" in result.output
    assert ADVOCATE_PHONE not in result.output
    with app.app_context():
        assert services().phones.number(1) == ADVOCATE_PHONE
    refused = app.test_cli_runner().invoke(args=["advocates", "phone", "a@example.org",
                                                 "--stdin"], input="nonsense\n")
    assert refused.exit_code != 0
    assert "country code" in refused.output
