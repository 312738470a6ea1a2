"""Local services ("2" on the menu) listed in the survivor's language, through the signed
webhook with the demo deployment's services (config/demo.toml, written in all eight
languages). Found before (survivor6, N3): "(free, 24 hours, every day)" inside an Urdu reply."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from app.content.numbers import LRI, NBSP, PDI
from app.services import Services, services
from tests.conftest import MovableClock
from tests.support.sms import reply_text
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

TUESDAY_MORNING = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)  # the team is at work
ENGLISH_HOURS = "free, 24 hours, every day"
NUMBERS = ("0808 2000 247", "0800 408 1552", "116 123")


@pytest.mark.parametrize(("greeting", "hours"), [
    ("السلام علیکم", "مفت، 24 گھنٹے، ہر روز"),
    ("مرحبا", "مجاني، على مدار 24 ساعة، كل يوم"),
    ("ਸਤ ਸ੍ਰੀ ਅਕਾਲ", "ਮੁਫ਼ਤ, 24 ਘੰਟੇ, ਹਰ ਰੋਜ਼"),
    ("Dzień dobry", "bezpłatnie, całą dobę, codziennie"),
    ("Bore da", "am ddim, 24 awr, bob dydd"),
    ("Bună ziua", "gratuit, 24 de ore, în fiecare zi"),
    ("Subax wanaagsan", "bilaash, 24 saacadood, maalin kasta"),
    ("hi", ENGLISH_HOURS),
])
def test_the_menus_local_services_are_in_the_survivors_language(
        twilio: TwilioSigner, clock: MovableClock, greeting: str, hours: str) -> None:
    clock.set(TUESDAY_MORNING)
    reply_text(twilio.sms(greeting, sender=SURVIVOR))
    listed = reply_text(twilio.sms("2", sender=SURVIVOR))
    assert listed is not None
    assert f"({hours})" in listed, listed
    if hours != ENGLISH_HOURS:
        assert ENGLISH_HOURS not in listed, listed


@pytest.mark.parametrize("greeting", ["السلام علیکم", "مرحبا"])
def test_numbers_in_a_right_to_left_list_are_isolated(twilio: TwilioSigner, clock: MovableClock,
                                                      greeting: str) -> None:
    clock.set(TUESDAY_MORNING)
    reply_text(twilio.sms(greeting, sender=SURVIVOR))
    listed = reply_text(twilio.sms("2", sender=SURVIVOR))
    assert listed is not None
    for number in NUMBERS:
        assert f"{LRI}{number.replace(' ', NBSP)}{PDI}" in listed, listed


def test_an_english_list_keeps_plain_numbers(twilio: TwilioSigner, clock: MovableClock) -> None:
    clock.set(TUESDAY_MORNING)
    reply_text(twilio.sms("hi", sender=SURVIVOR))
    listed = reply_text(twilio.sms("2", sender=SURVIVOR))
    assert listed is not None
    assert all(number in listed for number in NUMBERS), listed
    assert LRI not in listed


def test_an_advocates_services_reply_is_offered_in_the_survivors_language(
        app: Flask, built: Services) -> None:
    with app.app_context():
        offered = {o.key: o.text for o in services().replies.canned_choices("ur")}
    assert "(مفت، 24 گھنٹے، ہر روز)" in offered["canned.services"]
    assert ENGLISH_HOURS not in offered["canned.services"]
