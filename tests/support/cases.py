"""Helpers for casework tests: cases made through the real webhook, CSRF tokens from pages."""

from __future__ import annotations

import re

from app.services import services
from tests.support.twilio_signing import TwilioSigner


def open_case(twilio: TwilioSigner, sender: str = "+447700900123") -> int:
    """A survivor asks for a person by SMS; returns the case id."""
    twilio.sms("person", sender=sender)
    return latest_case(twilio)


def latest_case(twilio: TwilioSigner) -> int:
    """The newest case's id."""
    with twilio.client.application.app_context():
        items = services().casework.database.engine.connect()
        try:
            row = items.exec_driver_sql("SELECT max(id) FROM escalations").scalar()
        finally:
            items.close()
    assert row is not None
    return int(row)


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page) or re.search(
        r'data-csrf="([^"]+)"', page)
    assert found is not None
    return found.group(1)
