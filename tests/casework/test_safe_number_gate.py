"""A web chat that gave a safe number: its replies wait for the number to write, whether the
page is open or not, and a call waits the same way (app/casework/outbound_gate.py,
call_rules.py; issue 19, item 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.casework import call_rules
from app.casework.outbound_gate import Circumstances, Gate, decide

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def web_chat(safe_number: str | None, *, ended: bool = False, cover: bool = False,
             paused: bool = False, return_until: datetime | None = None) -> Circumstances:
    return Circumstances(channel="web", opted_out=False, ended=ended, erasure_requested=False,
                         paused=paused, locked=False, cover=cover, wants="text_back",
                         window=None, timezone="Europe/London", return_until=return_until,
                         safe_number=safe_number)


@pytest.mark.parametrize(("circumstances", "gate"), [
    pytest.param(web_chat("waiting"), Gate(False, "awaiting_number"), id="page-open"),
    pytest.param(web_chat("waiting", ended=True), Gate(False, "awaiting_number"),
                 id="page-left-not-cancelled"),
    pytest.param(web_chat("waiting", ended=True, return_until=NOW + timedelta(hours=1)),
                 Gate(False, "awaiting_number"), id="with-a-code-too"),
    pytest.param(web_chat("apart", ended=True), Gate(False, "number_apart"), id="apart"),
    pytest.param(web_chat("waiting", cover=True), Gate(False, "cannot_talk"), id="duress"),
    pytest.param(web_chat("waiting", paused=True), Gate(False, "paused"), id="paused"),
    pytest.param(web_chat(None, ended=True), Gate(False, "ended"), id="no-number"),
    pytest.param(web_chat(None), Gate(True), id="no-number-page-open"),
])
def test_a_web_chat_with_a_safe_number_waits_for_it(circumstances: Circumstances,
                                                    gate: Gate) -> None:
    assert decide(circumstances, NOW) == gate
    assert not decide(circumstances, NOW).cancelled or gate.reason == "ended"


def test_a_call_waits_for_the_number_too() -> None:
    assert call_rules.decide(web_chat("waiting"), NOW).reason == "awaiting_number"
    assert call_rules.decide(web_chat("apart"), NOW).reason == "number_apart"
    assert call_rules.decide(web_chat(None), NOW).reason == "not_by_phone"
