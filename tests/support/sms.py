"""Answers of the SMS webhook as a survivor's phone shows them, and rows the service stored."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import func, select
from werkzeug.test import TestResponse

from app.services import Services

# What every emergency answer carries: 999, the silent 55, the National DA Helpline.
EMERGENCY_MARKERS = ("999", "55", "0808 2000 247")


def reply_text(response: TestResponse) -> str | None:
    """The one <Message> body of a TwiML reply, or None for an empty <Response/>."""
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data(as_text=True))  # noqa: S314 -- our own TwiML
    assert root.tag == "Response"
    messages = root.findall("Message")
    assert len(messages) <= 1
    return messages[0].text if messages else None


def count(built: Services, model: type) -> int:
    with built.database.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def assert_emergency(text: str | None) -> None:
    assert text is not None
    for marker in EMERGENCY_MARKERS:
        assert marker in text

