"""A web chat survivor who left with a "come back later" code: replies wait, not cancelled,
until the code expires (app/casework/outbound_gate.py; issue 19, item 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.casework.outbound_gate import Circumstances, Gate, decide

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def left_the_chat(return_until: datetime | None, *, cover: bool = False,
                  paused: bool = False) -> Circumstances:
    return Circumstances(channel="web", opted_out=False, ended=True, erasure_requested=False,
                         paused=paused, locked=False, cover=cover, wants="come_back",
                         window=None, timezone="Europe/London", return_until=return_until)


@pytest.mark.parametrize(("return_until", "gate"), [
    pytest.param(NOW + timedelta(hours=1), Gate(False, "awaiting_return"), id="code-works"),
    pytest.param(NOW, Gate(False, "ended"), id="code-expired-now"),
    pytest.param(NOW - timedelta(hours=1), Gate(False, "ended"), id="code-expired"),
    pytest.param(None, Gate(False, "ended"), id="no-code"),
])
def test_a_live_code_keeps_the_reply_waiting(return_until: datetime | None,
                                             gate: Gate) -> None:
    decided = decide(left_the_chat(return_until), NOW)
    assert decided == gate
    assert decided.cancelled == (gate.reason == "ended")


def test_the_duress_word_and_a_pause_still_come_first() -> None:
    later = NOW + timedelta(hours=1)
    assert decide(left_the_chat(later, cover=True), NOW).reason == "cannot_talk"
    assert decide(left_the_chat(later, paused=True), NOW).reason == "paused"
