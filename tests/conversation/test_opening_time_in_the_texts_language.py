"""When the team is next at work is written in the language of the sentence around it
(seen by texting the service in Somali out of hours: the English fallback of an unconfirmed
translation said "someone will read your message from Isniin 7 Diseembar, 09:00")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app import hours
from app.content.written_times import written_time
from app.services import Services

SATURDAY = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)


def test_a_fallback_text_gets_the_date_in_its_own_language(
        built: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    # Polish without its hours text, as an unconfirmed translation is: English is sent.
    monkeypatch.delitem(built.catalogues._texts["pl"], "hours.closed")
    opens = hours.next_opening(built.settings.deployment.opening_hours, SATURDAY)
    assert opens is not None
    reply = built.conversations.render("pl", ("hours.closed",), SATURDAY)
    assert written_time(opens, "en") in reply
    assert written_time(opens, "pl") not in reply


def test_a_translated_text_gets_the_date_in_the_survivors_language(built: Services) -> None:
    opens = hours.next_opening(built.settings.deployment.opening_hours, SATURDAY)
    assert opens is not None
    reply = built.conversations.render("pl", ("hours.closed",), SATURDAY)
    assert written_time(opens, "pl") in reply
